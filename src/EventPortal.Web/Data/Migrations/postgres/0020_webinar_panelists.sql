-- meeting_panelists: JSON list of the (normalised) addresses the portal made panelists of the event's Zoom webinar, from
-- the speakers that have an address (Meetings/ZoomPanelists.cs). Only these are removed again when their speaker goes:
-- panelists the organiser added in Zoom are not the portal's. NULL: none made yet.
ALTER TABLE events ADD COLUMN meeting_panelists TEXT;
