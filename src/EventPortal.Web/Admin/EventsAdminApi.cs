namespace EventPortal.Web.Admin;

/// <summary>Organiser JSON API for events (being written).</summary>
public static class EventsAdminApi
{
    public static void MapEventsAdminApi(this RouteGroupBuilder api)
    {
    }
}
