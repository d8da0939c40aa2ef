using EventPortal.Web.Data;
using Microsoft.Extensions.Options;

namespace EventPortal.Web.Outbox;

public static class OutboxServices
{
    /// <summary>
    /// <c>EventPortal:Outbox</c> (with the keys that moved from <c>EventPortal:Mail</c>), the
    /// dispatcher, and the signal <see cref="Db"/> gives after a commit that queued work. Chain
    /// <see cref="OutboxHandlers.Handle{THandler}"/> for each row kind, so all of them are listed in one place.
    /// </summary>
    public static OutboxHandlers AddOutbox(this IServiceCollection services)
    {
        services.AddSingleton<IConfigureOptions<OutboxOptions>, OutboxOptions.ReadMovedKeys>();
        services.AddSettings<OutboxOptions>(OutboxOptions.Section, OutboxOptions.Validate);
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<ICommitListener>(sp => sp.GetRequiredService<OutboxSignal>());
        services.AddHostedService<OutboxDispatcher>();
        return new OutboxHandlers(services);
    }
}

/// <summary>The handlers of the outbox's row kinds, one each; the dispatcher refuses to start when two claim one kind.</summary>
public sealed class OutboxHandlers(IServiceCollection services)
{
    public OutboxHandlers Handle<THandler>() where THandler : class, IOutboxHandler
    {
        services.AddSingleton<IOutboxHandler, THandler>();
        return this;
    }
}
