package report

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	// The pure-Go SQLite driver, registered as "sqlite".
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Store is the run state database. Its methods are safe for concurrent use;
// writes are serialized on one connection.
type Store struct {
	db   *sql.DB
	path string // absolute, for errors
}

// Open opens the state database at path, creating it and its parent
// directory when missing, and migrates its schema to the version this
// binary knows. A database migrated by a newer binary is refused with
// ErrSchemaTooNew.
func Open(ctx context.Context, path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("resolve state db path: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("create state db directory: %w", err)
	}
	// SQLite would create the file with the process umask; the state holds
	// whole conversations, so it is created private first. SQLite gives its
	// -wal and -shm files the mode of the database file.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create state db: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("create state db: %w", err)
	}

	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("open state db: %w", err)
	}
	// One connection is the one writer: database/sql queues callers for it,
	// so goroutines of this process never contend inside SQLite.
	db.SetMaxOpenConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("open state db %s: %w", abs, err), db.Close())
	}
	if err := migrate(ctx, db, migrationFiles); err != nil {
		return nil, errors.Join(fmt.Errorf("migrate state db %s: %w", abs, noSpace("", err)), db.Close())
	}
	return &Store{db: db, path: abs}, nil
}

// dsn builds a file: URI so that any character of the path (even '?' or
// '#') reaches SQLite escaped. _txlock=immediate makes every write
// transaction take the write lock at BEGIN: a deferred transaction that
// upgrades from reading to writing can fail with SQLITE_BUSY at once, which
// busy_timeout cannot cure.
func dsn(path string) string {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	if u.Path != "" && u.Path[0] != '/' {
		// A Windows path (C:/x) needs the empty authority's third slash.
		u.Path = "/" + u.Path
	}
	return u.String()
}

// Path returns the database's absolute path.
func (s *Store) Path() string { return s.path }

// Close closes the database. Records already returned are durable.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close state db: %w", err)
	}
	return nil
}

// inTx runs fn in one transaction and commits it when fn succeeds.
func (s *Store) inTx(ctx context.Context, opts *sql.TxOptions, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return noSpace(s.path, errors.Join(err, fmt.Errorf("roll back: %w", rbErr)))
		}
		return noSpace(s.path, err)
	}
	if err := tx.Commit(); err != nil {
		return noSpace(s.path, fmt.Errorf("commit transaction: %w", err))
	}
	return nil
}

// noSpace marks err with ErrNoSpace and the database's path when SQLite
// says a write failed for lack of space: SQLITE_FULL for ENOSPC, and
// SQLITE_IOERR_WRITE, which is what SQLite makes of EFBIG (a file-size
// limit) and EDQUOT. Without it the user reads "disk I/O error (778)".
// path is left out of the message when "" (the caller names it).
func noSpace(path string, err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR_WRITE:
		if path == "" {
			return fmt.Errorf("%w: %w", ErrNoSpace, err)
		}
		return fmt.Errorf("%w: %s: %w", ErrNoSpace, path, err)
	}
	return err
}
