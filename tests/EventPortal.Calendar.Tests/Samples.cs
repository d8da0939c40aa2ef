namespace EventPortal.Calendar.Tests;

/// <summary>The events behind the golden files; each file name says which method and case it shows.</summary>
internal static class Samples
{
    public static DateTime Utc(int y, int mo, int d, int h, int mi = 0) => new(y, mo, d, h, mi, 0, DateTimeKind.Utc);

    private static readonly CalendarPerson Office = new("events@example.jp", "EventPortal 事務局");

    /// <summary>12:00–14:00 JST; the attendee must not appear in a PUBLISH.</summary>
    public static CalendarEvent PublishTokyo => new()
    {
        Uid = "event-12@example.jp",
        Sequence = 0,
        StartUtc = Utc(2026, 3, 6, 3),
        EndUtc = Utc(2026, 3, 6, 5),
        TimeZoneId = "Asia/Tokyo",
        StampUtc = Utc(2026, 1, 15, 9, 30),
        Summary = "EventPortal 勉強会 #12",
        Description = "第12回の勉強会です。\n持ち物: ノートPC",
        Location = "東京都千代田区丸の内1-1-1 会議室A",
        Url = "https://example.jp/events/12",
        Organizer = Office,
        Attendees = [new("ignored@example.jp", "Not In A Publish")],
    };

    /// <summary>
    /// Long Japanese text placed so that folds fall exactly where a naive writer breaks things:
    /// a 4-byte emoji (a UTF-16 surrogate pair) and 3-byte kanji straddling octet 75, and
    /// escapes (\, \; \\ \n) whose backslash would be the last octet of a line.
    /// Display names need quoting (comma, colon, semicolon) and one carries quotes (kept, RFC 6868).
    /// </summary>
    public static CalendarEvent RequestJapanese => new()
    {
        Uid = "event-12-reg-345@example.jp",
        Sequence = 1,
        StartUtc = Utc(2026, 3, 6, 3),
        EndUtc = Utc(2026, 3, 6, 5),
        TimeZoneId = "Asia/Tokyo",
        StampUtc = Utc(2026, 2, 1, 0),
        // Folds (75 octets) fall: before 🎫 (4 octets at 73..76), between "設計面" and "\,",
        // before "す" (3 octets at 75..77), and between "ください" and "\;".
        Summary = "【勉強会】第12回 大規模イベント運営の実践編!🎫受付・座席・キャンセル待ち・メール配信の設計面,"
            + "懇親会もあります。参加費は無料、定員は先着50名です。資料は C:\\Events\\12 に置きますのでご確認ください;"
            + "当日の連絡先👨\u200D👩\u200D👧 は受付まで",
        // Folds fall: between "。" and "\n", between "C:" and "\\", and before 📱.
        // CRLF, CR and LF all become \n.
        Description = "鈴木 様, お申し込み ありがとうございます。\r\n\r\n"
            + "当日は受付で QR-コードをご提示ください; 資料 = C:\\share\\eventportal\\第12回 にあります。会場は3階A室です!"
            + "📱お問い合わせは events@example.jp まで🙏\r持ち物: ノートPC, 名刺\n以上、よろしくお願いいたします。",
        Location = "東京都千代田区丸の内1-1-1, 3F; 会議室A",
        Url = "https://example.jp/events/12",
        Organizer = new("events@example.jp", "EventPortal 事務局, 東京: 受付; \"本部\""),
        Attendees =
        [
            new("suzuki.hanako@example.jp", "鈴木, 花子; 営業部: 東京"),
            new("tanaka@example.com"),
        ],
        AlarmMinutesBefore = 30,
    };

    /// <summary>The invite above withdrawn: same UID, higher SEQUENCE; Cancelled left false on purpose.</summary>
    public static CalendarEvent CancelTokyo => new()
    {
        Uid = "event-12-reg-345@example.jp",
        Sequence = 2,
        StartUtc = Utc(2026, 3, 6, 3),
        EndUtc = Utc(2026, 3, 6, 5),
        TimeZoneId = "Asia/Tokyo",
        StampUtc = Utc(2026, 2, 10, 0),
        Summary = "EventPortal 勉強会 #12",
        Organizer = Office,
        Attendees = [new("suzuki.hanako@example.jp", "鈴木 花子")],
    };

    /// <summary>
    /// 01:30 CET to 04:30 CEST: clocks jump from 02:00 to 03:00 on 2027-03-28, so the event
    /// lasts two hours although the wall clock says three.
    /// </summary>
    public static CalendarEvent BerlinAcrossDst => new()
    {
        Uid = "event-40@example.jp",
        Sequence = 0,
        StartUtc = Utc(2027, 3, 28, 0, 30),
        EndUtc = Utc(2027, 3, 28, 2, 30),
        TimeZoneId = "Europe/Berlin",
        StampUtc = Utc(2027, 1, 10, 8),
        Summary = "Nachtwanderung: Zeitumstellung erleben",
        Description = "Treffpunkt am Brandenburger Tor.\nUm 02:00 springt die Uhr sofort auf 03:00, bitte pünktlich sein!",
        Location = "Pariser Platz, 10117 Berlin",
        Url = "https://example.jp/events/40",
        Organizer = new("events@example.jp", "EventPortal"),
        AlarmMinutesBefore = 60,
    };
}
