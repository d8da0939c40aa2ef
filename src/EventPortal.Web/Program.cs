using EventPortal.Web;
using EventPortal.Web.Admin;
using EventPortal.Web.ApiDocs;
using EventPortal.Web.Attendance;
using EventPortal.Web.Calendar;
using EventPortal.Web.Data;
using EventPortal.Web.Events;
using EventPortal.Web.Localization;
using EventPortal.Web.Mail;
using EventPortal.Web.Meetings;
using EventPortal.Web.Outbox;
using EventPortal.Web.Privacy;
using EventPortal.Web.Registrations;
using EventPortal.Web.Reminders;
using EventPortal.Web.Shared;
using EventPortal.Web.Webhooks;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.WebEncoders;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

var app = await Program.CreateAsync(args);
await app.RunAsync();

public partial class Program
{
    /// <summary>
    /// The whole app on one screen: settings, services, the request pipeline, the routes, and
    /// what happens before the first request (migrations, the token key, the demo event).
    /// Tests call this too, with <paramref name="configure"/> pointing at their own database.
    /// </summary>
    public static async Task<WebApplication> CreateAsync(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(Program).Assembly.GetName().Name,
            // appsettings.json and wwwroot are copied next to the assembly, so the app runs the
            // same from `dotnet run`, from a test and from a published folder.
            ContentRootPath = AppContext.BaseDirectory,
        });
        configure?.Invoke(builder);

        // Settings: one small class per concern, checked before the first request.
        builder.Services.AddSettings<PortalOptions>(PortalOptions.Section, PortalOptions.Validate);
        builder.Services.AddSettings<DatabaseOptions>(DatabaseOptions.Section, DatabaseOptions.Validate);
        builder.Services.AddSettings<CalendarOptions>(CalendarOptions.Section, CalendarOptions.Validate);

        // Data, tokens, registration rules.
        builder.Services.TryAddSingleton(TimeProvider.System);   // tests register their own clock first
        builder.Services.AddSingleton<Db>();
        builder.Services.AddSingleton<Tokens>();
        builder.Services.AddSingleton<Registrar>();
        // Address confirmation: seats held for unconfirmed addresses, released by a sweep when the hold runs out
        // (Registrations/, EventPortal:Registration).
        builder.Services.AddSettings<RegistrationOptions>(RegistrationOptions.Section, RegistrationOptions.Validate);
        builder.Services.AddSingleton<HoldSweep>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<HoldSweep>());
        builder.Services.AddSingleton<FormTiming>();
        builder.Services.AddSingleton<Links>();
        builder.Services.AddSingleton<Invites>();
        builder.Services.AddMemoryCache(o => o.SizeLimit = 10_000);

        // The outbox (Outbox/, EventPortal:Outbox): work written in the transaction of the change that
        // owes it, done by a dispatcher after the commit. One handler per kind of row, all of them here.
        builder.Services.AddOutbox()
            .Handle<MailHandler>()        // mail.*: compose from the current state and send (Mail/)
            .Handle<MeetingHandler>()     // meeting.*: make, change, remove Teams and Zoom meetings (Meetings/)
            .Handle<AttendanceReports>()  // attendance.*: who came, from the Zoom or Teams report after the end (Attendance/)
            .Handle<WebhookHandler>()     // webhook.*: signed POSTs to the owners' hooks (Webhooks/, EventPortal:Webhooks)
            .Handle<ReminderFanOut>();    // plan.reminder: a mail rule due writes its reminders for everyone registered (Reminders/)
        builder.Services.AddWebhooks();
        builder.Services.AddSingleton<TeamsAttendance>();
        // Mail: the templates, and one transport chosen by configuration (Mail/, EventPortal:Mail).
        builder.Services.AddSettings<MailOptions>(MailOptions.Section, MailOptions.Validate);
        builder.Services.AddSingleton(_ => new MailTemplates(MailTemplates.DefaultDirectory));
        builder.Services.AddSingleton<EventMailParts>();
        builder.Services.AddSingleton<DkimSigning>();
        builder.Services.AddSingleton<MailComposer>();
        builder.Services.AddSingleton(MailTransports.Create);
        // Microsoft Graph, one client per use: "mail" (EventPortal:Mail:Graph) and "meetings" (EventPortal:Meetings:Teams).
        builder.Services.AddGraph();
        // Meetings: the Teams and Zoom clients (Meetings/, EventPortal:Meetings).
        builder.Services.AddMeetings();

        // Privacy: personal data of events past EventPortal:Privacy:RetentionDays is deleted, counts kept (Privacy/).
        builder.Services.AddSettings<PrivacyOptions>(PrivacyOptions.Section, PrivacyOptions.Validate);
        builder.Services.AddSingleton<RetentionPurge>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RetentionPurge>());

        // Japanese first, English by the header switch (cookie) or Accept-Language.
        builder.Services.AddLocalization();
        builder.Services.AddSingleton<IStringLocalizerFactory, Text.Factory>();
        builder.Services.Configure<RequestLocalizationOptions>(Text.ConfigureRequestLocalization);

        // Japanese text goes out as UTF-8, not as &#x...; entities (a third of the page weight).
        builder.Services.Configure<WebEncoderOptions>(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
        // Organisers: cookie sign-in for /admin, bearer tokens for /api/admin, keys in the database.
        builder.Services.AddSettings<BootstrapOptions>(BootstrapOptions.Section, BootstrapOptions.Validate);
        builder.Services.AddOrganiserAuth();

        // Pages live in their feature folders (Events/, Registrations/), not in Pages/.
        builder.Services.AddRazorPages(o =>
        {
            o.RootDirectory = "/";
            // Every console page needs a signed-in organiser unless it says [AllowAnonymous].
            o.Conventions.AuthorizeFolder("/Admin", AdminAuth.Staff);
        });
        builder.Services.AddPageGuards();       // no 500 for a request no page handler takes (Shared/PageGuards.cs)
        builder.Services.AddProblemDetails();
        builder.Services.AddApiDocs();          // the OpenAPI document of /api/… (ApiDocs/)

        // Abuse limits per client address: named policies (register, resend, sign-in) that the endpoints they protect name;
        // and which proxies to believe about that address.
        builder.Services.AddPortalRateLimits();
        builder.Services.AddSettings<ProxyOptions>(ProxyOptions.Section, ProxyOptions.Validate);

        // Nothing a client can send is large: a registration is a few kB. Bodies over 1 MB get
        // 413; below that, a long field reaches the validator and gets a message of its own.
        builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize = 1024 * 1024);
        builder.Services.Configure<FormOptions>(o => { o.ValueLengthLimit = 1024 * 1024; o.ValueCountLimit = 200; });

        // Personal tokens in request paths are masked in every log (Shared/LogRedaction.cs); last, so it wraps every provider.
        builder.Services.AddLogRedaction();
        var app = builder.Build();

        // Behind a trusted reverse proxy: the client's address and scheme come from X-Forwarded-*.
        var proxy = app.Services.GetRequiredService<IOptions<ProxyOptions>>().Value;
        if (proxy.Enabled) app.UseForwardedHeaders(Configure(new ForwardedHeadersOptions(), proxy.Apply));
        app.UseSecurityHeaders();
        if (!app.Environment.IsDevelopment()) app.UseHsts(); // only ever sent over HTTPS (directly, or as the proxy reports)
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandlingPath = "/error", StatusCodeSelector = Errors.StatusFor });
        app.UseStatusCodePagesWithReExecute("/error", "?status={0}");
        app.UseRequestLocalization();
        app.UseStaticFiles();
        app.UseRouting();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapRazorPages();                  // /, /events/{slug}, /r/{token}, /error
        app.MapEventsApi();                   // GET /api/events, /api/events/{slug}
        app.MapRegistrationsApi();            // POST /api/events/{slug}/registrations
        app.MapCalendar();                    // GET /events/{slug}/event.ics, /r/{token}/invite.ics, /r/{token}/qr.png
        app.MapCultureSwitch();               // GET /culture/{language}
        app.MapGet("/healthz", Health.CheckAsync);
        var adminApi = app.MapGroup("/api/admin").RequireAuthorization(AdminAuth.ApiStaff).DisableAntiforgery();
        adminApi.MapEventsAdminApi();         // /api/admin/events…
        adminApi.MapRegistrationsAdminApi();  // /api/admin/events/{slug}/registrations(.csv)
        adminApi.MapRemindersApi();           // /api/admin/events/{slug}/reminders, …/recording
        app.MapBenchBaseline(app.Configuration);  // POST /bench/baseline, only for bench/
        app.MapApiDocs();                     // GET /openapi/v1.json and the reference page /api-reference (ApiDocs/)

        await PrepareAsync(app);
        return app;
    }

    static T Configure<T>(T options, Action<T> apply)
    {
        apply(options);
        return options;
    }

    /// <summary>Migrate, load the token key, seed the demo event: safe when several instances start at once.</summary>
    static async Task PrepareAsync(WebApplication app)
    {
        DapperSetup.Configure();
        var services = app.Services;
        // Reading the settings checks them: a bad one stops here with a message that names it.
        var portal = services.GetRequiredService<IOptions<PortalOptions>>().Value;
        _ = services.GetRequiredService<IOptions<CalendarOptions>>().Value;
        _ = services.GetRequiredService<IOptions<MailOptions>>().Value;
        _ = services.GetRequiredService<IOptions<OutboxOptions>>().Value;
        _ = services.GetRequiredService<IOptions<RegistrationOptions>>().Value;

        var db = services.GetRequiredService<Db>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("EventPortal.Startup");
        // A relative data directory depends on where the app was started: say where it is.
        logger.LogInformation("Data directory {DataDirectory}", Path.GetFullPath(portal.DataDirectory));
        var applied = await Migrator.MigrateAsync(db, logger, CancellationToken.None);
        logger.LogInformation("Database {Provider} ready ({Applied} migrations applied now{Sqlite})", db.Provider, applied,
            db.IsSqlite ? ", SQLite " + Db.SqliteVersion : "");
        // Mail rules still ahead each have a plan row (Reminders/ReminderFanOut.cs); events planned before those existed get theirs.
        await ReminderFanOut.EnsurePlannedAsync(db, services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime,
            CancellationToken.None);
        var tokens = services.GetRequiredService<Tokens>();
        tokens.UseKey(await AppState.GetOrCreateTokenKeyAsync(db, CancellationToken.None));
        await Accounts.BootstrapAsync(db, services.GetRequiredService<IOptions<BootstrapOptions>>().Value, DateTime.UtcNow,
            CancellationToken.None);
        if (portal.SeedDemo
            && await DemoSeed.SeedAsync(db, services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime, CancellationToken.None))
            logger.LogInformation("Seeded the demo event");
    }
}
