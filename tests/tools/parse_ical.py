"""Parses an iCalendar file with python-icalendar (Debian's python3-icalendar) and prints
what it understood as JSON, including every error the parser recorded instead of raising.
Usage: /usr/bin/python3 parse_ical.py file.ics"""
import json
import sys
from datetime import timezone

import icalendar

out = {"errors": [], "method": None, "events": []}
try:
    with open(sys.argv[1], "rb") as f:
        cal = icalendar.Calendar.from_ical(f.read())
    out["method"] = str(cal.get("method")) if cal.get("method") is not None else None
    for component in cal.walk():
        for error in getattr(component, "errors", []) or []:
            out["errors"].append(f"{component.name}: {error}")
        if component.name != "VEVENT":
            continue
        start = component.decoded("dtstart")
        end = component.decoded("dtend")
        attendees = component.get("attendee", [])
        if not isinstance(attendees, list):
            attendees = [attendees]
        out["events"].append({
            "uid": str(component.get("uid")),
            "summary": str(component.get("summary")),
            "description": str(component.get("description")) if component.get("description") is not None else None,
            "location": str(component.get("location")) if component.get("location") is not None else None,
            "sequence": int(component.get("sequence", 0)),
            "status": str(component.get("status")) if component.get("status") is not None else None,
            "startTzid": component["dtstart"].params.get("TZID"),
            "startUtc": start.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "endUtc": end.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "attendees": [str(a) for a in attendees],
            # Parameter values as read: python-icalendar 4.0.3 (Debian 12) does not apply RFC 6868.
            "attendeeNames": [a.params.get("CN") for a in attendees],
            "organizer": str(component.get("organizer")),
            "organizerName": component["organizer"].params.get("CN") if component.get("organizer") is not None else None,
            "alarms": len([c for c in component.subcomponents if c.name == "VALARM"]),
        })
except Exception as err:  # noqa: BLE001 - every failure is a finding for the test
    out["errors"].append(repr(err))
print(json.dumps(out, ensure_ascii=False))
