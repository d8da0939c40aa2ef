-- Registration questions of several types (Events/Questions.cs): kind text, longtext, single, multiple,
-- checkbox, number, date; help text per language; options as JSON [{"ja","en"}] for the choice kinds;
-- min_value/max_value for numbers; tickets: the ticket codes the question is asked for, comma-separated
-- (empty: every ticket); required_tickets: where "required" applies (empty: every ticket it is asked for).
-- Questions from before this migration stay one-line text. Answers (registrations.answers) are a JSON
-- object by question code: text, a date (yyyy-MM-dd) or a chosen option's Japanese label as a string,
-- several labels as an array, a number, or true for a ticked checkbox.
ALTER TABLE event_questions ADD COLUMN kind TEXT NOT NULL DEFAULT 'text';
ALTER TABLE event_questions ADD COLUMN help_ja TEXT NOT NULL DEFAULT '';
ALTER TABLE event_questions ADD COLUMN help_en TEXT NOT NULL DEFAULT '';
ALTER TABLE event_questions ADD COLUMN options TEXT NOT NULL DEFAULT '[]';
ALTER TABLE event_questions ADD COLUMN min_value INTEGER;
ALTER TABLE event_questions ADD COLUMN max_value INTEGER;
ALTER TABLE event_questions ADD COLUMN tickets TEXT NOT NULL DEFAULT '';
ALTER TABLE event_questions ADD COLUMN required_tickets TEXT NOT NULL DEFAULT '';
