-- From here on, versioned migrations hold tables, columns, indexes and data; functions and
-- triggers live in the repeatable files of sql/functions/, which `migrate` applies after the
-- versioned ones, in the same transaction, and again whenever a file changes. This drops what
-- 001-009 created; the repeatable files create the current set (the same behaviour, one
-- naming pattern: table, event, effect).

drop trigger if exists app_user_name_marks_outdata on app_user;
drop trigger if exists league_notes_page on league;
drop trigger if exists league_points_mark_outdata on league;
drop trigger if exists league_renders_page on league;
drop trigger if exists league_participant_delete_marks_outdata on league_participant;
drop trigger if exists league_participant_insert_marks_outdata on league_participant;
drop trigger if exists league_participant_update_marks_outdata on league_participant;
drop trigger if exists league_tournament_change_renders_pages on league_tournament;
drop trigger if exists league_tournament_delete_marks_outdata on league_tournament;
drop trigger if exists league_tournament_delete_notes_pages on league_tournament;
drop trigger if exists league_tournament_insert_notes_pages on league_tournament;
drop trigger if exists league_tournament_renders_pages on league_tournament;
drop trigger if exists league_tournament_starts_outdata on league_tournament;
drop trigger if exists league_tournament_update_notes_pages on league_tournament;
drop trigger if exists match_delete_marks_outdata on match;
drop trigger if exists match_delete_tallies on match;
drop trigger if exists match_update_marks_outdata on match;
drop trigger if exists match_update_tallies on match;
drop trigger if exists prediction_delete_marks_outdata on prediction;
drop trigger if exists prediction_delete_tallies on prediction;
drop trigger if exists prediction_insert_marks_outdata on prediction;
drop trigger if exists prediction_insert_tallies on prediction;
drop trigger if exists prediction_update_marks_outdata on prediction;
drop trigger if exists prediction_update_tallies on prediction;
drop trigger if exists tournament_name_notes_pages on tournament;
drop trigger if exists tournament_name_renders_pages on tournament;
drop trigger if exists tournament_scoring_marks_outdata on tournament;
drop trigger if exists tournament_scoring_tallies on tournament;

drop function if exists app_user_name_marks_outdata();
drop function if exists apply_tally_deltas(bigint[], bigint[], smallint[], integer[]);
drop function if exists league_standings_body(bigint, integer, integer);
drop function if exists league_status(text[]);
drop function if exists league_tournament_delete_marks_outdata();
drop function if exists league_tournament_starts_outdata();
drop function if exists mark_league_points_outdata();
drop function if exists mark_league_tournaments_outdata(bigint[]);
drop function if exists mark_participant_league_outdata();
drop function if exists mark_tournament_scoring_outdata();
drop function if exists match_delete_tallies();
drop function if exists match_outcome_marks_outdata();
drop function if exists match_result_tallies();
drop function if exists note_league_page();
drop function if exists note_league_pages(bigint[]);
drop function if exists note_league_tournament_pages();
drop function if exists note_tournament_pages();
drop function if exists oldest_update(timestamptz[]);
drop function if exists prediction_marks_outdata();
drop function if exists prediction_tallies();
drop function if exists prediction_tier(integer, integer, integer, integer);
drop function if exists rebuild_tournament_tallies(bigint);
drop function if exists refresh_league_pages(bigint[]);
drop function if exists render_league_pages(bigint[]);
drop function if exists render_noted_league_pages();
drop function if exists tournament_scoring_tallies();
drop function if exists tournament_standings_body(bigint, bigint, integer, integer);

-- Standings are read by position (006); nothing reads them by rank.
drop index if exists participant_score_rank_idx;
