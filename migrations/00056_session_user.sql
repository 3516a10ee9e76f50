-- Issue 20 (docs/performance.md "Session and sign-in check in one round
-- trip"): every request of a signed-in person read its session row, then
-- its account and memberships, in two statements. The session store
-- (internal/app/sessionstore.go, in place of scs's pgxstore) now keeps the
-- signed-in user's id in the row, taken from the session's data at every
-- write, and reads the session with the account and memberships joined in
-- one statement. NULL for a visitor's session, a sign-in waiting for its
-- second factor, and the rows written before this migration (the sign-in
-- check then reads the account itself, as before).
--
-- No index: the join goes from the session row (found by its primary key)
-- to users by users' primary key, and nothing looks sessions up by user.
-- No foreign key: a row's user id is a copy of the session's data, checked
-- against the account at every request (a deleted account's session ends
-- there, as before); a key would make a session write fail when its
-- account is deleted meanwhile.
-- +goose Up
ALTER TABLE sessions ADD COLUMN user_id uuid NULL;

-- +goose Down
ALTER TABLE sessions DROP COLUMN user_id;
