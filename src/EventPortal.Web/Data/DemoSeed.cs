using EventPortal.Web.Events;
using EventPortal.Web.Surveys;

namespace EventPortal.Web.Data;

/// <summary>
/// The demo briefing a fresh install shows: an online results-report session of one hour at
/// noon Japan time, doors open five minutes early, 100 live seats with a waitlist and
/// unlimited recording tickets. It is seeded once per database (an <c>app_state</c> claim
/// decides, so two instances starting together seed it once), never again after an
/// organiser deletes it.
/// </summary>
public static class DemoSeed
{
    public static Task<bool> SeedAsync(Db db, DateTime nowUtc, CancellationToken ct) =>
        SeedOnceAsync(db, "demo_seeded", Build(nowUtc), nowUtc, ct, DemoSurvey);

    /// <summary>The survey a results-report session usually ends with, as a draft the organiser edits and opens.</summary>
    static Survey DemoSurvey(long eventId) => new(eventId, SurveyStatus.Draft, Anonymous: false,
        "今後の説明会の改善のため、アンケートへのご協力をお願いします(3分ほどで終わります)。",
        "Please help us improve our briefings (about three minutes).",
    [
        new(0, QuestionKind.Scale, true, "本日の説明会の満足度をお聞かせください", "How satisfied were you with today's briefing?", []),
        new(0, QuestionKind.Single, true, "この説明会を何でお知りになりましたか", "How did you hear of this briefing?",
            [new("自治体の広報・ウェブサイト", "A municipal newsletter or website"), new("メールマガジン", "A mailing list"),
             new("SNS", "Social media"), new("知人・同僚の紹介", "A friend or colleague"), new("その他", "Other")]),
        new(0, QuestionKind.Multiple, false, "今後関心のあるテーマ(複数選択可)", "Topics you would like to hear more about",
            [new("助成制度", "Grants"), new("事例紹介", "Case studies"), new("連携・協働", "Working together"), new("人材育成", "Training")]),
        new(0, QuestionKind.Text, false, "ご意見・ご感想", "Comments", []),
    ]);

    /// <summary>
    /// Inserts <paramref name="spec"/> unless the <c>app_state</c> key <paramref name="claim"/> was taken
    /// before: once per database, however many instances start together. False when it was.
    /// </summary>
    public static Task<bool> SeedOnceAsync(Db db, string claim, EventSpec spec, DateTime nowUtc, CancellationToken ct,
        Func<long, Survey>? survey = null) =>
        db.WriteAsync(async (connection, tx) =>
        {
            if (!await AppState.ClaimAsync(connection, tx, claim, spec.Slug, ct)) return false;
            var id = await spec.InsertAsync(connection, tx, nowUtc, reminders: null, ct);
            if (survey is not null) await SurveyStore.SaveAsync(connection, tx, survey(id), nowUtc, ct);
            return true;
        }, ct);

    /// <summary>The next 6 March at least two weeks ahead, 12:00–13:00 in Tokyo.</summary>
    public static DateTime NextSessionStart(DateTime nowUtc)
    {
        var tokyo = EventTime.Zone("Asia/Tokyo");
        var year = TimeZoneInfo.ConvertTimeFromUtc(nowUtc, tokyo).Year;
        while (true)
        {
            var start = TimeZoneInfo.ConvertTimeToUtc(new DateTime(year, 3, 6, 12, 0, 0, DateTimeKind.Unspecified), tokyo);
            if (start >= nowUtc.AddDays(14)) return start;
            year++;
        }
    }

    public static EventSpec Build(DateTime nowUtc)
    {
        var start = NextSessionStart(nowUtc);
        var year = start.Year;
        return new EventSpec
        {
            Slug = $"mentoring-report-{year}",
            Title = $"NPOメンタリングプログラム {year - 1}年度 成果報告会",
            Summary = "孤独・孤立の課題に向き合う支援者を、対話で支えるメンタリングの一年を振り返ります。オンライン開催・参加無料です。",
            Description = """
                地域で孤独・孤立の課題に取り組む NPO のスタッフは、相談できる相手が身近にいないまま
                活動を続けていることが少なくありません。このプログラムでは、社会人のプロボノワーカーが
                外部メンターとなり、3か月にわたって定期的な対話の時間を持ちました。

                報告会では、参加した団体とメンターがそれぞれの立場から、取り組んだテーマと進め方、
                そして活動にどのような変化が生まれたかをお話しします。後半は、対話の場づくりに
                取り組むゲストを迎えて、ソーシャルセクターで「聴いてもらえる場」が持つ意味を考えます。

                - 自治体で孤独・孤立対策や地域福祉を担当されている方
                - 中間支援組織や NPO の方、メンターとしての参加に関心のある方
                - 研究者、議員、報道関係の方

                どなたでもお気軽にご参加ください。当日の参加 URL は、お申し込みいただいた方にだけお送りします。
                当日ご都合の合わない方は「録画視聴」チケットをお選びください。
                """,
            StartsAt = start,
            EndsAt = start.AddHours(1),
            TimeZone = "Asia/Tokyo",
            DoorsOpenMinutes = 5,
            Language = "ja",
            Status = EventStatus.Published,
            Venue = "オンライン(Zoom)",
            OrganiserName = "EventPortal デモ事務局",
            OrganiserEmail = "demo@eventportal.example",
            Contact = "デモ事務局(メンタリングプログラム担当) demo@eventportal.example",
            ConsentPurpose = "お預かりした個人情報は、本報告会の運営(参加 URL・録画のご案内、当日の連絡)と参加者区分の集計にのみ使用し、開催後一定期間を過ぎたものは削除します。",
            Programme =
            [
                new("プログラムの概要と変化の道筋(セオリー・オブ・チェンジ)のご紹介", "12:00"),
                new("参加団体とメンターによるトークセッション", "12:15"),
                new("ゲストトーク:相談できる相手がいることの意味", "12:35"),
                new("質疑応答・おわりに", "12:50"),
            ],
            Speakers =
            [
                new("青木 真理", "対話と組織づくりの研究所(架空)", "ゲスト", "非暴力コミュニケーションを軸に、NPO の組織づくりと対話の場づくりを支援しています。"),
                new("森 さくら", "多世代交流サロン(架空)", "参加団体", "高齢の方から子育て世代までが集える地域のサロンを運営しています。"),
            ],
            TicketTypes =
            [
                new("live", "ライブ参加(Zoom)", "Live (Zoom)", Capacity: 100, Waitlist: true),
                new("recording", "録画視聴", "Recording", Capacity: null, Waitlist: false, Kind: "recording"),
            ],
            Categories = StandardCategories,
            Questions =
            [
                new("heard", "この報告会を何でお知りになりましたか", "How did you hear of this session?", Required: false)
                {
                    Kind = QuestionType.Single,
                    Options =
                    [
                        new("メールマガジン", "Newsletter"), new("SNS", "Social media"), new("知人の紹介", "A friend or colleague"),
                        new("その他", "Other"),
                    ],
                },
                new("topics", "関心のあるテーマ(複数選択可)", "Topics of interest", Required: false)
                {
                    Kind = QuestionType.Multiple,
                    Options = [new("孤独・孤立対策", "Loneliness and isolation"), new("メンタリング", "Mentoring"), new("プロボノ", "Pro bono")],
                },
            ],
        };
    }

    /// <summary>The audience of a municipal briefing; organisers edit them per event.</summary>
    public static readonly IReadOnlyList<CategorySpec> StandardCategories =
    [
        new("municipal", "自治体職員", "Municipal staff"),
        new("intermediary", "中間支援組織の職員・スタッフ", "Intermediary support organisation"),
        new("npo", "NPO等の団体", "NPO or other non-profit"),
        new("mentor", "メンター参加に関心のある方", "Prospective mentor"),
        new("research", "研究者・議員・報道関係", "Researcher, council member or press"),
        new("other", "その他", "Other"),
    ];
}
