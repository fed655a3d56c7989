-- The public league endpoints' bodies as functions whose plans are made once per session:
-- the planner otherwise re-plans these parameterised statements on every page load, which
-- costs about as much as running them. The statements are those of repositories/leagues.py
-- at the time of writing; a change to a body is a new migration (create or replace).

create function league_body(p_league_id bigint) returns text
language plpgsql stable set plan_cache_mode = force_generic_plan as $body$
declare
    body text;
begin
    select json_build_object(
               'id', l.id,
               'name', l.name,
               'participants_scores_status', league_status(array_remove(array_agg(lt.participants_scores_status), null)),
               'participants_scores_updated_at', oldest_update(array_agg(lt.participants_scores_updated_at)
                                                                 filter (where lt.id is not null)),
               'tournaments', coalesce(json_agg(json_build_object(
                       'tournament_id', lt.tournament_id, 'name', t.name,
                       'participants_scores_status', lt.participants_scores_status,
                       'participants_scores_updated_at', lt.participants_scores_updated_at)
                   order by lt.tournament_id) filter (where lt.id is not null), '[]'))::text into body
      from league l
      left join league_tournament lt on lt.league_id = l.id
      left join tournament t on t.id = lt.tournament_id
     where l.id = p_league_id
     group by l.id;
    return body;
end;
$body$;

create function tournament_standings_body(p_league_id bigint, p_tournament_id bigint, p_limit integer, p_offset integer) returns text
language plpgsql stable set plan_cache_mode = force_generic_plan as $body$
declare
    body text;
begin
    with header as materialized (
        select lt.id, array[lt.participants_scores_status] as statuses,
               coalesce((select max(ps.position) from participant_score ps where ps.league_tournament_id = lt.id), 0) as total
          from league_tournament lt
         where lt.league_id = p_league_id and lt.tournament_id = p_tournament_id
    ),
    page as (  -- the name joined inside the limit: 50 index lookups, not a scan of every user
        select ps.*, u.name from participant_score ps join app_user u on u.id = ps.user_id
         where ps.league_tournament_id = (select id from header) and ps.position > p_offset
         order by ps.position limit p_limit
    )
    
    select json_build_object(
               'league_id', p_league_id::bigint,
               'tournament_id', p_tournament_id::bigint,
               'participants_scores_status', league_status(header.statuses),
               'total', header.total,
               'standings', coalesce((
                   select json_agg(json_build_object(
                              'rank', page.rank, 'user_id', page.user_id, 'name', page.name, 'points', page.points,
                              'exact_count', page.exact_count, 'goal_difference_count', page.goal_difference_count,
                              'outcome_count', page.outcome_count) order by page.position)
                     from page), '[]'))::text into body
      from header;
    return body;
end;
$body$;

create function league_standings_body(p_league_id bigint, p_limit integer, p_offset integer) returns text
language plpgsql stable set plan_cache_mode = force_generic_plan as $body$
declare
    body text;
begin
    with header as materialized (
        select l.id, array_remove(array_agg(lt.participants_scores_status), null) as statuses,
               coalesce((select max(ls.position) from league_standing ls where ls.league_id = l.id), 0) as total
          from league l
          left join league_tournament lt on lt.league_id = l.id
         where l.id = p_league_id
         group by l.id
    ),
    page as (  -- the name joined inside the limit: 50 index lookups, not a scan of every user
        select ls.*, u.name from league_standing ls join app_user u on u.id = ls.user_id
         where ls.league_id = (select id from header) and ls.position > p_offset
         order by ls.position limit p_limit
    )
    
    select json_build_object(
               'league_id', p_league_id::bigint,
               'tournament_id', null::bigint,
               'participants_scores_status', league_status(header.statuses),
               'total', header.total,
               'standings', coalesce((
                   select json_agg(json_build_object(
                              'rank', page.rank, 'user_id', page.user_id, 'name', page.name, 'points', page.points,
                              'exact_count', page.exact_count, 'goal_difference_count', page.goal_difference_count,
                              'outcome_count', page.outcome_count) order by page.position)
                     from page), '[]'))::text into body
      from header;
    return body;
end;
$body$;
