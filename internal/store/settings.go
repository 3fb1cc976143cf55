package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Setting returns a value from jellyha_settings, and false when unset.
func (s *Store) Setting(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := s.queryRow(ctx, `SELECT value FROM jellyha_settings WHERE key = ?`, []any{key}, &v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: setting %s: %w", key, err)
	}
	return v, true, nil
}

// SetSetting stores a value in jellyha_settings.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	_, err := s.exec(ctx, `INSERT INTO jellyha_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("store: set %s: %w", key, err)
	}
	return nil
}

// SettingOrInit returns the value of key, storing init() first if unset.
// Replicas racing here all end with the first one's value.
func (s *Store) SettingOrInit(ctx context.Context, key string, init func() string) (string, error) {
	if _, err := s.exec(ctx, `INSERT INTO jellyha_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, key, init()); err != nil {
		return "", fmt.Errorf("store: init %s: %w", key, err)
	}
	v, _, err := s.Setting(ctx, key)
	return v, err
}
