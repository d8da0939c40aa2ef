-- What a new registration's reminders are planned from (the event's mail rules and its times) changes only
-- through ReminderRules.ReplanAsync, which counts it here. The registration path plans from a copy of the rules
-- at most a second old (Events/EventQueries.cs) and writes its row only while this is still the copy's version
-- (Registrations/Registrar.cs); otherwise it reads the rules again inside its transaction.
ALTER TABLE events ADD COLUMN plan_version INTEGER NOT NULL DEFAULT 0;
