using System.Text;
using System.Text.Json.Nodes;

namespace EventPortal.Tests.Proof;

/// <summary>
/// The admin API's targets: every property of an event body (create and PATCH), of reminders and
/// the recording; route values; filters.
/// </summary>
public sealed partial class GeneratedHostileInput
{
    static readonly string[] EventProperties =
    [
        "slug", "title", "summary", "description", "startsAt", "endsAt", "timeZone", "doorsOpenMinutes", "language", "venue",
        "organiserName", "organiserEmail", "organizerName", "organizerEmail", "contact", "consentPurpose", "meetingProvider", "meetingUrl",
    ];

    /// <summary>List properties and the properties of their items.</summary>
    static readonly (string List, string[] Properties)[] EventLists =
    [
        ("ticketTypes", ["code", "name", "nameEn", "capacity", "waitlist", "kind", "salesStart", "salesEnd", "remove"]),
        ("categories", ["code", "name", "nameEn"]),
        ("questions", ["code", "label", "labelEn", "required"]),
        ("speakers", ["name", "affiliation", "role", "bio", "email"]),
        ("programme", ["title", "time", "detail"]),
    ];

    static JsonObject NewEventJson() => new()
    {
        ["slug"] = "fz-" + Guid.NewGuid().ToString("N")[..12], ["title"] = "API説明会", ["startsAt"] = "2030-03-06T03:00:00Z",
        ["endsAt"] = "2030-03-06T04:00:00Z", ["timeZone"] = "Asia/Tokyo", ["venue"] = "オンライン",
        ["ticketTypes"] = new JsonArray(new JsonObject { ["code"] = "live", ["name"] = "ライブ参加", ["capacity"] = 10 }),
    };

    /// <summary>An item of a list that is valid on its own, the value then goes into one of its properties.</summary>
    static JsonObject Item(string list) => list switch
    {
        "ticketTypes" => new JsonObject { ["code"] = "live", ["name"] = "ライブ参加", ["capacity"] = 10 },
        "categories" => new JsonObject { ["code"] = "staff", ["name"] = "職員", ["nameEn"] = "Staff" },
        "questions" => new JsonObject { ["code"] = "q1", ["label"] = "質問", ["labelEn"] = "Question" },
        "speakers" => new JsonObject { ["name"] = "山田 花子", ["affiliation"] = "市役所" },
        _ => new JsonObject { ["title"] = "開会", ["time"] = "12:00" },
    };

    static IEnumerable<ConsoleTarget> AdminApiTargets(ConsoleScene s)
    {
        const string Events = "/api/admin/events";
        var one = $"{Events}/{s.Slug}";
        // The properties listed here, and any other the API's own answer has (a new one is fuzzed without a change here).
        var answered = s.ApiProperties.Where(p => !p.Contains('.', StringComparison.Ordinal)).ToList();
        foreach (var property in EventProperties.Union(answered))
        {
            yield return new($"api create {property}", $"POST {Events}",
                (w, v) => ApiJson(HttpMethod.Post, Events, Set(NewEventJson(), property, v), w.Count % 2 == 1));
            yield return new($"api patch {property}", $"PATCH {Events}/{{slug}}",
                (w, v) => ApiJson(HttpMethod.Patch, one, new JsonObject { [property] = v }, w.Count % 2 == 1));
        }
        var lists = EventLists.Select(l => (l.List, Properties: l.Properties.Union(s.ApiProperties
            .Where(p => p.StartsWith(l.List + "[].", StringComparison.Ordinal)).Select(p => p[(l.List.Length + 3)..])).ToList()));
        foreach (var (list, properties) in lists)
            foreach (var property in properties)
            {
                yield return new($"api create {list}[].{property}", $"POST {Events}", (w, v) => ApiJson(HttpMethod.Post, Events,
                    Set(NewEventJson(), list, new JsonArray(Set(Item(list), property, v))), w.Count % 2 == 1));
                yield return new($"api patch {list}[].{property}", $"PATCH {Events}/{{slug}}", (w, v) => ApiJson(HttpMethod.Patch, one,
                    new JsonObject { [list] = new JsonArray(Set(Item(list), property, v)) }, w.Count % 2 == 1));
            }
        yield return new("api patch property name", $"PATCH {Events}/{{slug}}",
            (_, v) => ApiJson(HttpMethod.Patch, one, new JsonObject { [v] = "x" }, false));
        yield return new("api patch wrong type", $"PATCH {Events}/{{slug}}", (_, v) =>
            ApiRaw(HttpMethod.Patch, one, Encoding.UTF8.GetBytes(WrongTypeBody(EventProperties[v.Length % EventProperties.Length], v))));
        yield return new("api create wrong type", $"POST {Events}", (_, v) =>
            ApiRaw(HttpMethod.Post, Events, Encoding.UTF8.GetBytes(WrongTypeBody(EventProperties[v.Length % EventProperties.Length], v))));
        yield return new("api patch raw bytes", $"PATCH {Events}/{{slug}}", (w, v) => ApiRaw(HttpMethod.Patch, one,
            [.. "{\"title\":\""u8.ToArray(), .. Corrupt(v, w.Count), .. "\"}"u8.ToArray()]));
        yield return new("api patch body", $"PATCH {Events}/{{slug}}", (_, v) => ApiRaw(HttpMethod.Patch, one, Encoding.UTF8.GetBytes(v)));

        // Route values: the slug of every endpoint that takes one.
        yield return new("api GET slug", $"GET {Events}/{{slug}}", (_, v) => Get($"{Events}/{Segment(v)}"), ReadOnly: true);
        yield return new("api PATCH slug", $"PATCH {Events}/{{slug}}",
            (_, v) => ApiJson(HttpMethod.Patch, $"{Events}/{Segment(v)}", new JsonObject { ["title"] = "x" }, false));
        foreach (var action in new[] { "publish", "cancel" })
            yield return new($"api {action} slug", $"POST {Events}/{{slug}}/{action}",
                (_, v) => new HttpRequestMessage(HttpMethod.Post, $"{Events}/{Segment(v)}/{action}"));
        yield return new("api list query", $"GET {Events}", (_, v) => Get($"{Events}?{Query(v)}={Query(v)}"), ReadOnly: true);

        // Reminders and the recording.
        yield return new("api reminders offsetMinutes", $"PUT {Events}/{{slug}}/reminders", (_, v) => ApiRaw(HttpMethod.Put,
            $"{one}/reminders", Encoding.UTF8.GetBytes($"[{{\"offsetMinutes\":{JsonLiteral(v)},\"audience\":\"all\"}}]")));
        yield return new("api reminders audience", $"PUT {Events}/{{slug}}/reminders", (_, v) => ApiJson(HttpMethod.Put,
            $"{one}/reminders", new JsonArray(new JsonObject { ["offsetMinutes"] = -1440, ["audience"] = v }), false),
            Allowed: OneOf("live", "recording", "all"));
        yield return new("api reminders body", $"PUT {Events}/{{slug}}/reminders",
            (_, v) => ApiRaw(HttpMethod.Put, $"{one}/reminders", Encoding.UTF8.GetBytes(v)));
        yield return new("api reminders slug", $"PUT {Events}/{{slug}}/reminders",
            (_, v) => ApiJson(HttpMethod.Put, $"{Events}/{Segment(v)}/reminders", new JsonArray(), false));
        yield return new("api GET reminders slug", $"GET {Events}/{{slug}}/reminders", (_, v) => Get($"{Events}/{Segment(v)}/reminders"),
            ReadOnly: true);
        foreach (var (property, allowed) in new (string, Func<string, bool>?)[]
            { ("url", null), ("availableUntil", null), ("audience", OneOf("recording", "recording_and_absent", "all")) })
            yield return new($"api recording {property}", $"PUT {Events}/{{slug}}/recording", (w, v) => ApiJson(HttpMethod.Put,
                $"{one}/recording", Set(new JsonObject { ["url"] = "https://video.example.jp/rec" }, property, v), w.Count % 2 == 1),
                Allowed: allowed);
        yield return new("api recording slug", $"PUT {Events}/{{slug}}/recording", (_, v) => ApiJson(HttpMethod.Put,
            $"{Events}/{Segment(v)}/recording", new JsonObject { ["url"] = "https://video.example.jp/rec" }, false));

        // Registrations as JSON and CSV: the filters and the slug.
        foreach (var path in new[] { "registrations", "registrations.csv" })
        {
            foreach (var q in new[] { "q", "ticket", "status", "category", "attendance" })
                yield return new($"api {path} {q}", $"GET {Events}/{{slug}}/{path}", (_, v) => Get($"{one}/{path}?{q}={Query(v)}"),
                    ReadOnly: true, Audited: path.EndsWith(".csv", StringComparison.Ordinal));
            yield return new($"api {path} slug", $"GET {Events}/{{slug}}/{path}", (_, v) => Get($"{Events}/{Segment(v)}/{path}"),
                ReadOnly: true, Audited: path.EndsWith(".csv", StringComparison.Ordinal));
        }
    }

    static JsonObject Set(JsonObject o, string property, JsonNode? value)
    {
        o[property] = value;
        return o;
    }

    static JsonObject Set(JsonObject o, string property, string value) => Set(o, property, JsonValue.Create(value));

    /// <summary>The value as a JSON literal when it is one (a number, true, []), else as a string.</summary>
    static string JsonLiteral(string value)
    {
        try { return JsonNode.Parse(value) is { } node ? node.ToJsonString() : "null"; }
        catch (System.Text.Json.JsonException) { return JsonValue.Create(value).ToJsonString(); }
        // A lone surrogate is no JSON at all: send it as a string with the replacement character, as a client's encoder would.
        catch (ArgumentException) { return JsonValue.Create(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(value))).ToJsonString(); }
    }

    /// <summary>An event body whose <paramref name="property"/> holds the value as a number, array, object or boolean.</summary>
    static string WrongTypeBody(string property, string value)
    {
        var literal = JsonNumber().IsMatch(value) ? value : (value.Length % 3) switch
        {
            0 => new JsonArray(value).ToJsonString(),
            1 => new JsonObject { ["value"] = value }.ToJsonString(),
            _ => "true",
        };
        return $"{{\"{property}\":{literal}}}";
    }
}
