-- Registrations entered by staff from the console or imported from a CSV (issue 17): channel says how the
-- person applied (web form, api, phone, fax, counter, other, import), entered_by the organiser who entered it,
-- entry_key the one-time key of the console's entry form, so that the same form sent twice registers the person once.
-- A person without an e-mail address is stored with '' as both address columns: they get no mail (staff hand
-- over the personal links), and the rule of one active registration per address does not apply to them.
ALTER TABLE registrations ADD COLUMN channel TEXT NOT NULL DEFAULT 'web'
    CHECK (channel IN ('web', 'api', 'phone', 'fax', 'counter', 'other', 'import'));
ALTER TABLE registrations ADD COLUMN entered_by TEXT;
ALTER TABLE registrations ADD COLUMN entry_key TEXT;
CREATE UNIQUE INDEX registrations_entry_key ON registrations (event_id, entry_key) WHERE entry_key IS NOT NULL;
DROP INDEX registrations_one_active;
CREATE UNIQUE INDEX registrations_one_active ON registrations (event_id, email_normalized)
    WHERE status <> 'cancelled' AND email_normalized <> '';
