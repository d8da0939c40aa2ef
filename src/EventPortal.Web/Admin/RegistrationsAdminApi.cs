namespace EventPortal.Web.Admin;

/// <summary>Organiser JSON and CSV API for registrations (being written).</summary>
public static class RegistrationsAdminApi
{
    public static void MapRegistrationsAdminApi(this RouteGroupBuilder api)
    {
    }
}
