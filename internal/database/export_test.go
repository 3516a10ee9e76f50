package database

// WithPgxTx lets the tests reach the pgx.Tx that JobInserter gives River.
var WithPgxTx = withPgxTx
