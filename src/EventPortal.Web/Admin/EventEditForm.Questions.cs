using System.Globalization;
using EventPortal.Web.Events;
using EventPortal.Web.Registrations;

namespace EventPortal.Web.Admin;

public sealed partial class EventEditForm
{
    /// <summary>
    /// A custom question's row. Options are typed one per line, <c>日本語 | English</c> (the English part optional);
    /// tickets as codes separated by commas (blank: every ticket).
    /// </summary>
    public sealed class QuestionRow
    {
        /// <summary>Separates an option's Japanese label from its English one on a line of <see cref="Options"/>.</summary>
        public const char OptionSeparator = '|';

        public string? Code { get; set; }
        public string? Kind { get; set; }
        public string? Label { get; set; }
        public string? LabelEn { get; set; }
        public string? Help { get; set; }
        public string? HelpEn { get; set; }
        public bool Required { get; set; }
        public string? Options { get; set; }
        public string? Min { get; set; }
        public string? Max { get; set; }
        public string? Tickets { get; set; }
        public string? RequiredTickets { get; set; }

        public static QuestionRow From(QuestionSpec q) => new()
        {
            Code = q.Code, Kind = q.Kind, Label = q.LabelJa, LabelEn = q.LabelEn, Help = q.HelpJa, HelpEn = q.HelpEn, Required = q.Required,
            Options = string.Join("\n", q.Options.Select(o => o.En.Length > 0 ? $"{o.Ja} {OptionSeparator} {o.En}" : o.Ja)),
            Min = q.MinValue?.ToString(CultureInfo.InvariantCulture), Max = q.MaxValue?.ToString(CultureInfo.InvariantCulture),
            Tickets = q.Tickets, RequiredTickets = q.RequiredTickets,
        };

        /// <summary>The row as the rules read it; a number that is not one is named under <paramref name="f"/>.</summary>
        public QuestionSpec ToSpec(string f, List<FieldError> errors)
        {
            long? Number(string? value, string field)
            {
                if (Line(value) is not { Length: > 0 } typed) return null;
                if (long.TryParse(typed, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) return n;
                errors.Add(new(f + field, "adminEvent.error.mustBeInteger"));
                return null;
            }
            static string Codes(string? list) => string.Join(",", QuestionRecord.Codes(Line(list)));
            return new QuestionSpec(Line(Code), Line(Label), Line(LabelEn), Required)
            {
                Kind = Line(Kind) is { Length: > 0 } kind ? kind : QuestionType.Text,
                HelpJa = Block(Help), HelpEn = Block(HelpEn),
                Options = Block(Options).Split('\n').Select(Line).Where(l => l.Length > 0).Select(l => l.Split(OptionSeparator, 2) switch
                {
                    [var ja, var en] => new ChoiceOption(Line(ja), Line(en)),
                    var one => new ChoiceOption(Line(one[0]), ""),
                }).ToList(),
                MinValue = Number(Min, "min"), MaxValue = Number(Max, "max"),
                Tickets = Codes(Tickets), RequiredTickets = Codes(RequiredTickets),
            };
        }
    }
}
