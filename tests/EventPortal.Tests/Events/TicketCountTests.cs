using EventPortal.Web.Events;

namespace EventPortal.Tests.Events;

/// <summary>
/// A ticket read without its seats counted (the registration API's copy of the event) cannot pass for one with every
/// seat free: reading what it did not count throws.
/// </summary>
public class TicketCountTests
{
    [Fact]
    public void A_ticket_read_without_its_count_refuses_to_say_how_many_seats_are_left()
    {
        var uncounted = new TicketTypeRecord { Id = 7, Capacity = 100 };

        var error = Assert.Throws<InvalidOperationException>(() => uncounted.SeatsLeft);
        Assert.Contains("ticket 7", error.Message);
        // An unlimited ticket has no seats to count, counted or not.
        Assert.Null(new TicketTypeRecord { Id = 8 }.SeatsLeft);
    }

    [Fact]
    public void A_counted_ticket_says_how_many_seats_are_left()
    {
        Assert.Equal(97, new TicketTypeRecord { Capacity = 100, Taken = 3 }.SeatsLeft);
        Assert.Equal(0, new TicketTypeRecord { Capacity = 100, Taken = 120 }.SeatsLeft);
        Assert.Null(new TicketTypeRecord { Capacity = null, Taken = 5 }.SeatsLeft);
    }
}
