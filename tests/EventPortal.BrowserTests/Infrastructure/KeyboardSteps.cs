using Microsoft.Playwright;

namespace EventPortal.BrowserTests.Infrastructure;

/// <summary>
/// Moving through a page by keyboard alone (Tab, typing, Space, Enter: no mouse, no Playwright fill or click), checking
/// on the way that every element Tab reaches shows a visible focus outline and is on screen.
/// </summary>
public static class KeyboardSteps
{
    /// <summary>The element that has the focus, as the checks need it.</summary>
    public sealed class Focused
    {
        public string Tag { get; set; } = "";
        public string Type { get; set; } = "";
        public string Name { get; set; } = "";
        public string Id { get; set; } = "";
        public string Role { get; set; } = "";
        public string Text { get; set; } = "";
        public string OutlineStyle { get; set; } = "";
        public double OutlineWidth { get; set; }
        public bool InView { get; set; }

        public bool IsSubmit => Tag == "button" && Type == "submit";
    }

    const string FocusScript = """
        () => {
            const e = document.activeElement, s = getComputedStyle(e), r = e.getBoundingClientRect();
            return { tag: e.tagName.toLowerCase(), type: e.getAttribute('type') || '', name: e.getAttribute('name') || '', id: e.id || '',
                     role: e.getAttribute('role') || '', text: (e.textContent || '').trim().slice(0, 80), outlineStyle: s.outlineStyle,
                     outlineWidth: parseFloat(s.outlineWidth) || 0,
                     inView: r.bottom > 0 && r.top < innerHeight && r.width > 0 };
        }
        """;

    public static Task<Focused> FocusedAsync(IPage page) => page.EvaluateAsync<Focused>(FocusScript);

    public static async Task<Focused> TabAsync(IPage page)
    {
        await page.Keyboard.PressAsync("Tab");
        var focused = await FocusedAsync(page);
        // site.css scrolls smoothly (unless reduced motion is asked for): give the scroll a moment.
        for (var wait = 0; !focused.InView && wait < 20; wait++)
        {
            await Task.Delay(100);
            focused = await FocusedAsync(page);
        }
        // A visible focus indicator on everything the keyboard reaches (site.css: 3px outline).
        Assert.True(focused.OutlineStyle != "none" && focused.OutlineWidth >= 2,
            $"no visible focus on <{focused.Tag} name={focused.Name} id={focused.Id}> ({focused.OutlineStyle} {focused.OutlineWidth}px)");
        Assert.True(focused.InView, $"<{focused.Tag} name={focused.Name} id={focused.Id}> has focus but is not on screen");
        return focused;
    }

    /// <summary>
    /// Presses Tab until <paramref name="stop"/> holds, doing <paramref name="each"/> on every element passed on the way.
    /// </summary>
    public static async Task<Focused> TabUntilAsync(IPage page, Func<Focused, bool> stop, Func<Focused, Task>? each = null,
        string what = "the submit button")
    {
        for (var i = 0; i < 120; i++)
        {
            var focused = await TabAsync(page);
            if (stop(focused)) return focused;
            if (each is not null) await each(focused);
        }
        Assert.Fail($"Tab never reached {what}");
        return null!;
    }

    /// <summary>Replaces the text of the focused field by <paramref name="text"/>: select all (Ctrl+A), then type.</summary>
    public static async Task ReplaceTextAsync(IPage page, string text)
    {
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync(text);
    }
}
