using System.Data;
using System.Globalization;
using Dapper;

namespace EventPortal.Web.Data;

public static class DapperSetup
{
    static int _done;

    /// <summary>snake_case columns onto PascalCase properties; every DateTime is UTC in and out.</summary>
    public static void Configure()
    {
        if (Interlocked.Exchange(ref _done, 1) == 1) return;
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        SqlMapper.AddTypeHandler(new UtcDateTimeHandler());
        // The event's programme and speakers are JSON lists in one column each.
        SqlMapper.AddTypeHandler(new JsonListHandler<Events.ProgrammeItem>());
        SqlMapper.AddTypeHandler(new JsonListHandler<Events.Speaker>());
        // The same column as organisers read it: with each speaker's address, which the public model above leaves out.
        SqlMapper.AddTypeHandler(new JsonListHandler<Events.SpeakerSpec>());
        // A choice question's options, on the registration form (event_questions.options).
        SqlMapper.AddTypeHandler(new JsonListHandler<Events.ChoiceOption>());
    }

    sealed class JsonListHandler<T> : SqlMapper.TypeHandler<IReadOnlyList<T>>
    {
        public override void SetValue(IDbDataParameter parameter, IReadOnlyList<T>? value) =>
            parameter.Value = System.Text.Json.JsonSerializer.Serialize(value ?? [], Events.Json.Options);

        public override IReadOnlyList<T> Parse(object value) =>
            System.Text.Json.JsonSerializer.Deserialize<List<T>>((string)value, Events.Json.Options) ?? [];
    }

    /// <summary>
    /// SQLite hands times back as text without a zone, PostgreSQL as timestamptz; either way
    /// the app sees <see cref="DateTimeKind.Utc"/>, because that is all we ever write.
    /// </summary>
    sealed class UtcDateTimeHandler : SqlMapper.TypeHandler<DateTime>
    {
        public override void SetValue(IDbDataParameter parameter, DateTime value)
        {
            parameter.Value = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : DateTime.SpecifyKind(value, DateTimeKind.Utc);
            parameter.DbType = DbType.DateTime;
        }

        public override DateTime Parse(object value) => value switch
        {
            DateTime d => d.Kind == DateTimeKind.Local ? d.ToUniversalTime() : DateTime.SpecifyKind(d, DateTimeKind.Utc),
            string s => DateTime.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal),
            _ => throw new DataException($"Cannot read a time from a {value.GetType().Name}."),
        };
    }
}
