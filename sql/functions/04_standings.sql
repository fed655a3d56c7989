-- The stored standings' upkeep and the JSON bodies of the standings endpoints (SPEC §5). The
-- scores tick writes participant_score and league_standing (repositories/scores.py); the
-- bodies are functions planned once per session: the planner would otherwise re-plan these
-- parameterised statements on every page load, which costs about as much as running them.
-- Repeatable file: `migrate` re-applies it whenever it changes.

-- A league that follows no tournament any more has no whole-league standings.
create or replace function league_tournament_prunes_standings() returns trigger
language plpgsql as $$
begin
    delete from league_standing
     where league_id in (select league_id from old_rows)
       and not exists (select 1 from league_tournament lt where lt.league_id = league_standing.league_id);
    return null;
end;
$$;

call create_statement_triggers('league_tournament', 'prunes_standings', array['delete']);

-- One standings row as the API shows it (StandingsRowSchema).
create or replace function standings_row_json(rank integer, user_id bigint, name text, points integer,
                                              exact_count integer, goal_difference_count integer,
                                              outcome_count integer)
returns json language sql stable parallel safe as $$
    select json_build_object('rank', rank, 'user_id', user_id, 'name', name, 'points', points,
                             'exact_count', exact_count, 'goal_difference_count', goal_difference_count,
                             'outcome_count', outcome_count)
$$;

-- A standings page as the API shows it (StandingsSchema): `rows` is the page's rows in order.
create or replace function standings_json(league_id bigint, tournament_id bigint, statuses text[], total integer,
                                          rows json)
returns text language sql stable parallel safe as $$
    select json_build_object('league_id', league_id, 'tournament_id', tournament_id,
                             'participants_scores_status', league_status(statuses), 'total', total,
                             'standings', coalesce(rows, '[]'::json))::text
$$;

-- One page of a league tournament's standings, or of the whole league's when p_tournament_id
-- is null; null when there is no such league or it does not follow the tournament.
create or replace function standings_body(p_league_id bigint, p_tournament_id bigint, p_limit integer,
                                          p_offset integer) returns text
language plpgsql stable set plan_cache_mode = force_generic_plan as $body$
declare
    body text;
begin
    with header as materialized (  -- the standings' owner: a league tournament, or the league
        select lt.id, array[lt.participants_scores_status] as statuses,
               coalesce((select max(ps.position) from participant_score ps where ps.league_tournament_id = lt.id), 0)
                   as total
          from league_tournament lt
         where p_tournament_id is not null and lt.league_id = p_league_id and lt.tournament_id = p_tournament_id
        union all
        select l.id, array_remove(array_agg(lt.participants_scores_status), null),
               coalesce((select max(ls.position) from league_standing ls where ls.league_id = l.id), 0)
          from league l
          left join league_tournament lt on lt.league_id = l.id
         where p_tournament_id is null and l.id = p_league_id
         group by l.id
    ),
    page as (  -- one index range at any offset; names are joined to the page's rows only
        (select ps.rank, ps.user_id, ps.points, ps.exact_count, ps.goal_difference_count, ps.outcome_count, ps.position
           from participant_score ps
          where p_tournament_id is not null and ps.league_tournament_id = (select id from header)
            and ps.position > p_offset
          order by ps.position limit p_limit)
        union all
        (select ls.rank, ls.user_id, ls.points, ls.exact_count, ls.goal_difference_count, ls.outcome_count, ls.position
           from league_standing ls
          where p_tournament_id is null and ls.league_id = (select id from header) and ls.position > p_offset
          order by ls.position limit p_limit)
    )
    select standings_json(p_league_id, p_tournament_id, header.statuses, header.total, (
               select json_agg(standings_row_json(page.rank, page.user_id, u.name, page.points, page.exact_count,
                                                  page.goal_difference_count, page.outcome_count)
                               order by page.position)
                 from page join app_user u on u.id = page.user_id)) into body
      from header;
    return body;
end;
$body$;
