namespace EventPortal.Web.Attendance;

/// <summary>One stay in the meeting as a provider reports it: who (their registrant id at the provider, or e-mail), from when to when.</summary>
public sealed record ReportedStay(string? RegistrantId, string? Email, DateTimeOffset? JoinedAt, DateTimeOffset? LeftAt, int Seconds);

/// <summary>A confirmed live registration a report may name.</summary>
public sealed record ExpectedAttendee(long Id, string Email, string? ProviderRegistrantId);

/// <summary>What a report said: minutes per matched registration, and how many people in it matched none.</summary>
public sealed record ReportMatch(IReadOnlyDictionary<long, int> Minutes, int Participants, int Unmatched);

/// <summary>
/// Matches a provider's report with the registrations: by the provider's registrant id first
/// (Zoom, when each registrant has their own link), else by e-mail, case-insensitively. Someone
/// who left and came back, or joined from two devices at once, is counted once: their stays are
/// merged into one timeline before the minutes are taken.
/// </summary>
public static class ReportedPresence
{
    public static ReportMatch Match(IEnumerable<ReportedStay> stays, IEnumerable<ExpectedAttendee> expected)
    {
        var list = expected.ToList();
        var byRegistrant = list.Where(e => !string.IsNullOrEmpty(e.ProviderRegistrantId))
            .GroupBy(e => e.ProviderRegistrantId!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Id, StringComparer.Ordinal);
        var byEmail = list.GroupBy(e => e.Email.Trim(), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First().Id, StringComparer.OrdinalIgnoreCase);
        var matched = new Dictionary<long, List<ReportedStay>>();
        var unmatched = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var anonymous = 0;
        foreach (var stay in stays)
        {
            long id;
            if (stay.RegistrantId is { Length: > 0 } rid && byRegistrant.TryGetValue(rid, out id)
                || stay.Email is { Length: > 0 } email && byEmail.TryGetValue(email.Trim(), out id))
            {
                if (!matched.TryGetValue(id, out var own)) matched[id] = own = [];
                own.Add(stay);
            }
            else if (stay.RegistrantId is { Length: > 0 } || stay.Email is { Length: > 0 })
                unmatched.Add(stay.RegistrantId is { Length: > 0 } r ? "r:" + r : "e:" + stay.Email!.Trim());
            else anonymous++;
        }
        var minutes = matched.ToDictionary(m => m.Key, m => Minutes(m.Value));
        return new ReportMatch(minutes, matched.Count + unmatched.Count + anonymous, unmatched.Count + anonymous);
    }

    /// <summary>Minutes in the room: overlapping stays merged; a stay without times counts its reported seconds.</summary>
    public static int Minutes(IEnumerable<ReportedStay> stays)
    {
        var seconds = 0.0;
        DateTimeOffset? from = null, to = null;
        foreach (var s in stays.OrderBy(s => s.JoinedAt))
        {
            if (s.JoinedAt is not { } join || s.LeftAt is not { } leave || leave < join)
            {
                seconds += Math.Max(0, s.Seconds);
                continue;
            }
            if (to is { } end && join <= end)
            {
                if (leave > end) to = leave;
                continue;
            }
            if (from is { } start && to is { } stop) seconds += (stop - start).TotalSeconds;
            (from, to) = (join, leave);
        }
        if (from is { } f && to is { } t) seconds += (t - f).TotalSeconds;
        return (int)(seconds / 60);
    }
}
