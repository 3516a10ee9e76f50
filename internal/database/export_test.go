package database

// WithPgxTx lets the tests reach the pgx.Tx that JobInserter gives River.
var WithPgxTx = withPgxTx

// TxGrace is how long a gorm transaction outlives its context (pools.go).
const TxGrace = txGrace
