using EventPortal.Web.Localization;
using Microsoft.AspNetCore.Mvc.Rendering;
using Microsoft.AspNetCore.Mvc.ViewFeatures;
using Microsoft.AspNetCore.Razor.TagHelpers;
using Microsoft.Extensions.Localization;

namespace EventPortal.Web.Admin;

/// <summary>
/// <c>&lt;editor-field asp-for="Form.TicketTypes[i].Capacity" label="…" /&gt;</c>: one field of the event
/// editor, with its label, hint and error. The control is MVC's own (name <c>Form.TicketTypes[0].Capacity</c>,
/// the value typed or bound), but its ids come from the field's key, the name the shared rules give its
/// errors (<c>ticketTypes[0].capacity</c>): <c>f-</c> the control, <c>h-</c> the hint, <c>e-</c> the error,
/// so the error summary links to the control and the control names its error.
/// </summary>
[HtmlTargetElement("editor-field", TagStructure = TagStructure.WithoutEndTag)]
public sealed class EditorFieldTagHelper(IHtmlGenerator generator, IStringLocalizer<Text> text) : TagHelper
{
    [HtmlAttributeName("asp-for")] public ModelExpression For { get; set; } = null!;
    /// <summary>Localization keys of the label and the hint (none when null or empty,
    /// as <c>hint="@(i == 0 ? … : null)"</c> gives).</summary>
    public string Label { get; set; } = "";
    public string? Hint { get; set; }
    /// <summary>
    /// An input's type (<c>text</c>, <c>date</c>, <c>time</c>, <c>datetime-local</c>, <c>url</c>),
    /// or <c>textarea</c>, or <c>select</c> with <see cref="Options"/>.
    /// </summary>
    public string Type { get; set; } = "text";
    public int Max { get; set; } = 200;
    public int Rows { get; set; } = 2;
    public bool Required { get; set; }
    public string? InputMode { get; set; }
    public string? List { get; set; }
    public bool ReadOnly { get; set; }
    public bool Autofocus { get; set; }
    public IEnumerable<SelectListItem> Options { get; set; } = [];

    [ViewContext, HtmlAttributeNotBound] public ViewContext ViewContext { get; set; } = null!;

    public override void Process(TagHelperContext context, TagHelperOutput output)
    {
        var key = EventEditForm.Key(For.Name);
        var hint = string.IsNullOrEmpty(Hint) ? null : Hint;
        var error = ViewContext.ViewData.Model is EventEditPageModel page ? page.ErrorFor(key) : null;
        output.TagName = "div";
        output.TagMode = TagMode.StartTagAndEndTag;
        output.Attributes.SetAttribute("class", error is null ? "field" : "field has-error");

        var label = new TagBuilder("label");
        label.Attributes["for"] = "f-" + key;
        label.InnerHtml.Append(text[Label]);
        if (Required) label.InnerHtml.AppendHtml(" ").AppendHtml(Paragraph("span", "required", null, text["form.required"]));
        output.Content.AppendHtml(label);
        if (hint is not null) output.Content.AppendHtml(Paragraph("p", "hint", "h-" + key, text[hint]));
        if (error is not null) output.Content.AppendHtml(Paragraph("p", "field-error", "e-" + key, error));

        var control = Type switch
        {
            "textarea" => generator.GenerateTextArea(ViewContext, For.ModelExplorer, For.Name, Rows, columns: 0, htmlAttributes: null),
            "select" => generator.GenerateSelect(ViewContext, For.ModelExplorer, optionLabel: null, For.Name, Options, allowMultiple: false,
                htmlAttributes: null),
            _ => generator.GenerateTextBox(ViewContext, For.ModelExplorer, For.Name, For.Model, format: null, htmlAttributes: null),
        };
        control.Attributes["id"] = "f-" + key;
        if (Type is not ("textarea" or "select"))
        {
            control.Attributes["type"] = Type;
            control.Attributes["autocomplete"] = "off";
            Set(control, "inputmode", InputMode);
            Set(control, "list", List);
            Set(control, "readonly", ReadOnly ? "readonly" : null);
        }
        if (Type != "select") control.Attributes["maxlength"] = Max.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Set(control, "autofocus", Autofocus ? "autofocus" : null);
        Set(control, "aria-invalid", error is null ? null : "true");
        var describedBy = string.Join(' ', new[] { hint is null ? null : "h-" + key, error is null ? null : "e-" + key }.OfType<string>());
        Set(control, "aria-describedby", describedBy.Length > 0 ? describedBy : null);
        output.Content.AppendHtml(control);
    }

    static TagBuilder Paragraph(string tag, string cssClass, string? id, string content)
    {
        var element = new TagBuilder(tag);
        element.AddCssClass(cssClass);
        if (id is not null) element.Attributes["id"] = id;
        element.InnerHtml.Append(content);
        return element;
    }

    static void Set(TagBuilder element, string name, string? value)
    {
        if (value is null) element.Attributes.Remove(name);
        else element.Attributes[name] = value;
    }
}
