from core.routers import OptionalSlashRouter
from rentals.api.views import RentalViewSet

router = OptionalSlashRouter()
router.register("rentals", RentalViewSet, basename="rentals")

urlpatterns = router.urls
