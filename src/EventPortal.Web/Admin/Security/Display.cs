using System.Globalization;
using EventPortal.Web.Events;

namespace EventPortal.Web.Admin.Security;

/// <summary>Times on the security and sessions pages as the audit log shows them: Japan time, to the minute.</summary>
public static class Display
{
    public static string Time(DateTime utc) =>
        EventTime.Local(utc, "Asia/Tokyo").ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " JST";
}
