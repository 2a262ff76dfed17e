package bank

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"

	_ "modernc.org/sqlite" // the pure-Go driver "sqlite"
)

// SQLiteBank is a bank in an SQLite database in WAL mode, synchronous=FULL
// when durable (every commit fsyncs the WAL) and OFF otherwise. SQLite has
// one writer at a time, so the pool has one connection and callers queue
// for it: that is how a Go program uses SQLite for writes.
type SQLiteBank struct {
	db                 *sql.DB
	sel, debit, credit *sql.Stmt
}

// OpenSQLite creates the database and funds the accounts.
func OpenSQLite(ctx context.Context, cfg Config) (System, error) {
	if err := cfg.valid(); err != nil {
		return nil, err
	}
	sync := "FULL"
	if !cfg.Durable {
		sync = "OFF"
	}
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+sync+")")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Set("_txlock", "immediate")
	dsn := "file:" + filepath.Join(cfg.Dir, "bank.sqlite") + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("bank: open sqlite: %w", err)
	}
	db.SetMaxOpenConns(1)
	s := &SQLiteBank{db: db}
	if err := s.fund(ctx, cfg); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *SQLiteBank) fund(ctx context.Context, cfg Config) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("bank: sqlite create table: %w", err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("bank: sqlite begin: %w", err)
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO accounts (id, balance) VALUES (?, ?)`)
	if err != nil {
		return fmt.Errorf("bank: sqlite prepare: %w", err)
	}
	for id := 0; id < cfg.Accounts; id++ {
		if _, err := ins.ExecContext(ctx, id, cfg.Initial); err != nil {
			return fmt.Errorf("bank: sqlite fund account %d: %w", id, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("bank: sqlite commit: %w", err)
	}
	for _, p := range []struct {
		st **sql.Stmt
		q  string
	}{
		{&s.sel, `SELECT balance FROM accounts WHERE id = ?`},
		{&s.debit, `UPDATE accounts SET balance = balance - ? WHERE id = ?`},
		{&s.credit, `UPDATE accounts SET balance = balance + ? WHERE id = ?`},
	} {
		if *p.st, err = s.db.PrepareContext(ctx, p.q); err != nil {
			return fmt.Errorf("bank: sqlite prepare: %w", err)
		}
	}
	return nil
}

// Transfer reads the source balance and updates both accounts in one
// immediate transaction.
func (s *SQLiteBank) Transfer(ctx context.Context, from, to int, amount int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var fb int64
	if err := tx.StmtContext(ctx, s.sel).QueryRowContext(ctx, from).Scan(&fb); err != nil {
		return err
	}
	if fb < amount {
		return fmt.Errorf("%w: account %d has %d, transfer of %d", ErrInsufficient, from, fb, amount)
	}
	if _, err := tx.StmtContext(ctx, s.debit).ExecContext(ctx, amount, from); err != nil {
		return err
	}
	if _, err := tx.StmtContext(ctx, s.credit).ExecContext(ctx, amount, to); err != nil {
		return err
	}
	return tx.Commit()
}

// Balance is a point read by primary key.
func (s *SQLiteBank) Balance(ctx context.Context, id int) (int64, error) {
	var v int64
	err := s.sel.QueryRowContext(ctx, id).Scan(&v)
	return v, err
}

// Total sums the table.
func (s *SQLiteBank) Total(ctx context.Context) (int64, error) {
	var t int64
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(balance), 0) FROM accounts`).Scan(&t)
	return t, err
}

// Close closes the statements and the database.
func (s *SQLiteBank) Close() error {
	for _, st := range []*sql.Stmt{s.sel, s.debit, s.credit} {
		if st != nil {
			st.Close()
		}
	}
	return s.db.Close()
}
