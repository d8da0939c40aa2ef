// Parses an iCalendar file with Mozilla's ical.js and prints what it understood as JSON.
// The VTIMEZONE blocks in the file are registered first, so DTSTART/DTEND instants are
// computed from our own zone definitions, not from a built-in database.
// Usage: node parse-ical.mjs file.ics
import { readFileSync } from 'node:fs';
import ICAL from 'ical.js';

const text = readFileSync(process.argv[2], 'utf8');
const out = { errors: [], method: null, events: [] };
try {
  const root = new ICAL.Component(ICAL.parse(text));
  out.method = root.getFirstPropertyValue('method');
  for (const vtz of root.getAllSubcomponents('vtimezone')) {
    ICAL.TimezoneService.register(vtz);
  }
  for (const vevent of root.getAllSubcomponents('vevent')) {
    const e = new ICAL.Event(vevent);
    out.events.push({
      uid: e.uid,
      summary: e.summary,
      description: e.description,
      location: e.location,
      sequence: e.sequence,
      status: vevent.getFirstPropertyValue('status'),
      startTzid: vevent.getFirstProperty('dtstart').getParameter('tzid') ?? null,
      startUtc: new Date(e.startDate.toUnixTime() * 1000).toISOString(),
      endUtc: new Date(e.endDate.toUnixTime() * 1000).toISOString(),
      attendees: vevent.getAllProperties('attendee').map(p => p.getFirstValue()),
      attendeeNames: vevent.getAllProperties('attendee').map(p => p.getParameter('cn') ?? null),
      organizer: vevent.getFirstPropertyValue('organizer'),
      organizerName: vevent.getFirstProperty('organizer')?.getParameter('cn') ?? null,
      alarms: vevent.getAllSubcomponents('valarm').length,
    });
  }
} catch (err) {
  out.errors.push(String(err));
}
process.stdout.write(JSON.stringify(out));
