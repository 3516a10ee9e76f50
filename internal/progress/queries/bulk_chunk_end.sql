SELECT xact_id::text AS xact_id, id FROM (
    (SELECT xact_id, id FROM learning_events WHERE (xact_id, id) > (?::xid8, ?) AND xact_id < ?::xid8
     ORDER BY learning_events.xact_id, learning_events.id OFFSET ? LIMIT 1)
    UNION ALL
    (SELECT xact_id, id FROM learning_events WHERE (xact_id, id) > (?::xid8, ?) AND xact_id < ?::xid8
     ORDER BY learning_events.xact_id DESC, learning_events.id DESC LIMIT 1)) x
ORDER BY x.xact_id, x.id LIMIT 1
