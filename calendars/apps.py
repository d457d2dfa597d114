from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "calendars"
    verbose_name = "Calendars"

    def ready(self) -> None:
        # The rental record's ical_url comes from here: rentals never imports calendars.
        from calendars.export import register_rental_extension

        register_rental_extension()
