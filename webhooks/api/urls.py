from core.routers import OptionalSlashRouter
from webhooks.api.views import WebhookSubscriptionViewSet

router = OptionalSlashRouter()
router.register(
    "webhook_subscriptions", WebhookSubscriptionViewSet, basename="webhook_subscriptions"
)

urlpatterns = router.urls
