// Package config reads jellyha's configuration: Jellyfin's directory flags
// and variables, and the database provider settings the Jellyfin HA fork
// uses (DatabaseProvider, ConnectionStrings), from a JSON file overridden by
// the environment.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Config is everything a command needs to find its files and its database.
type Config struct {
	DataDir   string
	ConfigDir string
	CacheDir  string
	// File is the configuration file that was read, or would have been.
	File string

	// DatabaseProvider is a provider key such as "Jellyfin-SQLite".
	DatabaseProvider string
	// ConnectionStrings maps provider keys to connection strings.
	ConnectionStrings map[string]string
}

// FileName is the configuration file looked for in the config directory.
const FileName = "jellyha.json"

// Flags holds the directory flags every command accepts, with Jellyfin's names.
type Flags struct {
	dataDir, configDir, cacheDir, file string
}

// Register adds --datadir, --configdir, --cachedir and --config to fs.
func (f *Flags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.dataDir, "datadir", "", "data directory, as Jellyfin's --datadir (env JELLYFIN_DATA_DIR); the SQLite database is <datadir>/data/jellyfin.db")
	fs.StringVar(&f.configDir, "configdir", "", "configuration directory (env JELLYFIN_CONFIG_DIR; default <datadir>/config when --datadir is given)")
	fs.StringVar(&f.cacheDir, "cachedir", "", "cache directory (env JELLYFIN_CACHE_DIR)")
	fs.StringVar(&f.file, "config", "", "configuration file (env JELLYHA_CONFIG; default <configdir>/"+FileName+")")
}

// fileConfig is the configuration file's shape, in the key names of the
// fork's appsettings: {"DatabaseProvider": "...", "ConnectionStrings": {...}}.
type fileConfig struct {
	DatabaseProvider  string            `json:"DatabaseProvider"`
	ConnectionStrings map[string]string `json:"ConnectionStrings"`
}

// Load builds the configuration from the flags, then environ (as os.Environ
// returns it), then the configuration file, then Jellyfin's defaults.
func (f *Flags) Load(environ []string) (*Config, error) {
	env := map[string]string{}
	var connEnv [][2]string
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		env[k] = v
		// .NET reads JELLYFIN_ConnectionStrings__<key> as the configuration
		// key ConnectionStrings:<key>, matching names without regard to case.
		const prefix = "JELLYFIN_CONNECTIONSTRINGS__"
		if len(k) > len(prefix) && strings.EqualFold(k[:len(prefix)], prefix) {
			connEnv = append(connEnv, [2]string{k[len(prefix):], v})
		}
	}
	lookup := func(name string) string {
		if v, ok := env[name]; ok {
			return v
		}
		for k, v := range env {
			if strings.EqualFold(k, name) {
				return v
			}
		}
		return ""
	}

	c := &Config{ConnectionStrings: map[string]string{}}
	home, _ := os.UserHomeDir()
	xdg := func(name, fallback string) string {
		if v := env[name]; v != "" {
			return v
		}
		return filepath.Join(home, fallback)
	}
	c.DataDir = first(f.dataDir, env["JELLYFIN_DATA_DIR"])
	dataGiven := c.DataDir != ""
	if !dataGiven {
		c.DataDir = filepath.Join(xdg("XDG_DATA_HOME", ".local/share"), "jellyfin")
	}
	c.ConfigDir = first(f.configDir, env["JELLYFIN_CONFIG_DIR"])
	if c.ConfigDir == "" {
		// Jellyfin puts the config directory inside an explicitly given
		// data directory, and under XDG_CONFIG_HOME otherwise.
		if dataGiven {
			c.ConfigDir = filepath.Join(c.DataDir, "config")
		} else {
			c.ConfigDir = filepath.Join(xdg("XDG_CONFIG_HOME", ".config"), "jellyfin")
		}
	}
	c.CacheDir = first(f.cacheDir, env["JELLYFIN_CACHE_DIR"], filepath.Join(xdg("XDG_CACHE_HOME", ".cache"), "jellyfin"))

	explicit := first(f.file, env["JELLYHA_CONFIG"])
	c.File = first(explicit, filepath.Join(c.ConfigDir, FileName))
	b, err := os.ReadFile(c.File)
	switch {
	case errors.Is(err, fs.ErrNotExist) && explicit == "":
		// No file: defaults and the environment only.
	case err != nil:
		return nil, fmt.Errorf("config: %w", err)
	default:
		var fc fileConfig
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&fc); err != nil {
			return nil, fmt.Errorf("config: %s: %w", c.File, err)
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("config: %s: text after the JSON object", c.File)
		}
		c.DatabaseProvider = fc.DatabaseProvider
		for k, v := range fc.ConnectionStrings {
			c.ConnectionStrings[k] = v
		}
	}

	if v := lookup("JELLYFIN_DatabaseProvider"); v != "" {
		c.DatabaseProvider = v
	}
	for _, kv := range connEnv {
		// The environment wins over the file whatever the case of its key.
		for k := range c.ConnectionStrings {
			if strings.EqualFold(k, kv[0]) {
				delete(c.ConnectionStrings, k)
			}
		}
		c.ConnectionStrings[kv[0]] = kv[1]
	}
	return c, nil
}

// ConnectionString returns the connection string for provider, matching the
// key without regard to case as .NET configuration does.
func (c *Config) ConnectionString(provider string) string {
	if v, ok := c.ConnectionStrings[provider]; ok {
		return v
	}
	for k, v := range c.ConnectionStrings {
		if strings.EqualFold(k, provider) {
			return v
		}
	}
	return ""
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
