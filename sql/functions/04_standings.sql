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
drop function if exists standings_row_json(integer, bigint, text, integer, integer, integer, integer);

create or replace function standings_row_json(rank integer, user_id bigint, name text, points integer,
                                              exact_count integer, goal_difference_count integer,
                                              outcome_count integer, round_points integer, previous_rank integer)
returns json language sql stable parallel safe as $$
    select json_build_object('rank', rank, 'user_id', user_id, 'name', name, 'points', points,
                             'exact_count', exact_count, 'goal_difference_count', goal_difference_count,
                             'outcome_count', outcome_count, 'round_points', round_points,
                             'previous_rank', previous_rank)
$$;

-- A standings page as the API shows it (StandingsSchema): `rows` is the page's rows in order.
create or replace function standings_json(league_id bigint, tournament_id bigint, statuses text[], total integer,
                                          rows json)
returns text language sql stable parallel safe as $$
    select json_build_object('league_id', league_id, 'tournament_id', tournament_id,
                             'participants_scores_status', league_status(statuses), 'total', total,
                             'standings', coalesce(rows, '[]'::json))::text
$$;

-- One page of the standings of the whole league (p_tournament_id null), of a league tournament,
-- or of a league tournament after round p_round (SPEC §5, §7.8); null when there is no such
-- league, it does not follow the tournament, or the tournament has no such round. Each row
-- carries its round's points and the rank after the round before. The rows are read through
-- one index range at any offset; names, round points and previous ranks are joined to the
-- page's rows only.
drop function if exists standings_body(bigint, bigint, integer, integer);

create or replace function standings_body(p_league_id bigint, p_tournament_id bigint, p_round text, p_limit integer,
                                          p_offset integer) returns text
language plpgsql stable set plan_cache_mode = force_generic_plan as $body$
declare
    owner bigint;
    statuses text[];
    current_ordinal integer;
    asked integer;             -- the asked round's place in the order (null: the current round)
    rounds bigint[];           -- the tournament's rounds in order
    source bigint;             -- the stored round whose rows are shown (null: the season's rows)
    points_round bigint;       -- the round whose own points are shown (null: none, 0)
    previous_round bigint;     -- the stored round whose ranks are the previous ones
    previous_is_shown boolean := false;  -- the round before changed nothing: its rank is the shown one
    total integer;
    body text;
begin
    if p_tournament_id is null then
        select standings_json(p_league_id, null, l.statuses, l.total, (
                   select json_agg(standings_row_json(ls.rank, ls.user_id, u.name, ls.points, ls.exact_count,
                                                      ls.goal_difference_count, ls.outcome_count, ls.round_points,
                                                      ls.previous_rank)
                                   order by ls.position)
                     from (select * from league_standing
                            where league_id = p_league_id and position > p_offset
                            order by position limit p_limit) as ls
                     join app_user u on u.id = ls.user_id)) into body
          from (select array_remove(array_agg(lt.participants_scores_status), null) as statuses,
                       coalesce((select max(position) from league_standing where league_id = p_league_id), 0)
                           as total
                  from league
                  left join league_tournament lt on lt.league_id = league.id
                 where league.id = p_league_id
                 group by league.id) as l;
        return body;
    end if;
    select lt.id, array[lt.participants_scores_status] into owner, statuses
      from league_tournament lt
     where lt.league_id = p_league_id and lt.tournament_id = p_tournament_id;
    if owner is null then
        return null;
    end if;
    select max(o.current_ordinal), max(o.ordinal) filter (where o.key = p_round),
           array_agg(o.round_id order by o.ordinal)
      into current_ordinal, asked, rounds
      from ordered_rounds(array[p_tournament_id]) as o;
    if p_round is not null and asked is null then
        return null;
    end if;
    asked := coalesce(asked, current_ordinal);
    if asked <= current_ordinal then  -- a stored round: its rows, its points, the ranks before it
        source := rounds[asked];
        previous_round := rounds[asked - 1];
        points_round := source;
    elsif current_ordinal is not null then  -- after the current round: its standings, no points since
        source := rounds[current_ordinal];
        previous_is_shown := true;
    else  -- nothing has ended: the season's rows (all 0), unchanged since any earlier round
        previous_is_shown := asked > 1;
    end if;
    if source is null then
        total := coalesce((select max(position) from participant_score where league_tournament_id = owner), 0);
    else
        total := coalesce((select max(position) from round_standing
                            where league_tournament_id = owner and round_id = source), 0);
    end if;
    with page as (
        (select rs.rank, rs.user_id, rs.points, rs.exact_count, rs.goal_difference_count, rs.outcome_count,
                rs.position, case when points_round is null then 0 else rs.round_points end as round_points
           from round_standing rs
          where source is not null and rs.league_tournament_id = owner and rs.round_id = source
            and rs.position > p_offset
          order by rs.position limit p_limit)
        union all
        (select ps.rank, ps.user_id, ps.points, ps.exact_count, ps.goal_difference_count, ps.outcome_count,
                ps.position, 0
           from participant_score ps
          where source is null and ps.league_tournament_id = owner and ps.position > p_offset
          order by ps.position limit p_limit)
    )
    select standings_json(p_league_id, p_tournament_id, statuses, total, (
               select json_agg(standings_row_json(page.rank, page.user_id, u.name, page.points, page.exact_count,
                                                  page.goal_difference_count, page.outcome_count,
                                                  page.round_points,
                                                  case when previous_is_shown then page.rank else (
                                                      -- a lookup a row: a generic plan would hash the round whole
                                                      select before.rank from round_standing before
                                                       where before.league_tournament_id = owner
                                                         and before.round_id = previous_round
                                                         and before.user_id = page.user_id) end)
                               order by page.position)
                 from page
                 join app_user u on u.id = page.user_id))
      into body;
    return body;
end;
$body$;
