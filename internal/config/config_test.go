package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadWith registers a fresh set of flags, parses args and loads the
// configuration from environ.
func loadWith(t *testing.T, args, environ []string) (*Config, error) {
	t.Helper()
	var f Flags
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	f.Register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %q: %v", args, err)
	}
	return f.Load(environ)
}

// xdgEnv returns XDG_* variables under root so that no default depends on the
// real home directory.
func xdgEnv(root string) []string {
	return []string{
		"XDG_DATA_HOME=" + filepath.Join(root, "xdg-data"),
		"XDG_CONFIG_HOME=" + filepath.Join(root, "xdg-config"),
		"XDG_CACHE_HOME=" + filepath.Join(root, "xdg-cache"),
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadDirectories(t *testing.T) {
	root := t.TempDir()
	xdgData := filepath.Join(root, "xdg-data")
	xdgConfig := filepath.Join(root, "xdg-config")
	xdgCache := filepath.Join(root, "xdg-cache")
	flagData := filepath.Join(root, "flag-data")
	envData := filepath.Join(root, "env-data")
	flagConfig := filepath.Join(root, "flag-config")
	envConfig := filepath.Join(root, "env-config")
	flagCache := filepath.Join(root, "flag-cache")
	envCache := filepath.Join(root, "env-cache")

	tests := []struct {
		name                      string
		args                      []string
		env                       []string
		dataDir, configDir, cache string
	}{
		{
			name:      "xdg defaults",
			env:       xdgEnv(root),
			dataDir:   filepath.Join(xdgData, "jellyfin"),
			configDir: filepath.Join(xdgConfig, "jellyfin"),
			cache:     filepath.Join(xdgCache, "jellyfin"),
		},
		{
			name:      "datadir flag puts configdir inside it",
			args:      []string{"--datadir", flagData},
			env:       xdgEnv(root),
			dataDir:   flagData,
			configDir: filepath.Join(flagData, "config"),
			cache:     filepath.Join(xdgCache, "jellyfin"),
		},
		{
			name:      "datadir env puts configdir inside it",
			env:       append(xdgEnv(root), "JELLYFIN_DATA_DIR="+envData),
			dataDir:   envData,
			configDir: filepath.Join(envData, "config"),
			cache:     filepath.Join(xdgCache, "jellyfin"),
		},
		{
			name:      "datadir flag beats env",
			args:      []string{"--datadir", flagData},
			env:       append(xdgEnv(root), "JELLYFIN_DATA_DIR="+envData),
			dataDir:   flagData,
			configDir: filepath.Join(flagData, "config"),
			cache:     filepath.Join(xdgCache, "jellyfin"),
		},
		{
			name:      "empty datadir env is not explicit",
			env:       append(xdgEnv(root), "JELLYFIN_DATA_DIR="),
			dataDir:   filepath.Join(xdgData, "jellyfin"),
			configDir: filepath.Join(xdgConfig, "jellyfin"),
			cache:     filepath.Join(xdgCache, "jellyfin"),
		},
		{
			name:      "configdir flag",
			args:      []string{"--datadir", flagData, "--configdir", flagConfig},
			env:       xdgEnv(root),
			dataDir:   flagData,
			configDir: flagConfig,
			cache:     filepath.Join(xdgCache, "jellyfin"),
		},
		{
			name:      "configdir env",
			env:       append(xdgEnv(root), "JELLYFIN_CONFIG_DIR="+envConfig),
			dataDir:   filepath.Join(xdgData, "jellyfin"),
			configDir: envConfig,
			cache:     filepath.Join(xdgCache, "jellyfin"),
		},
		{
			name:      "configdir flag beats env",
			args:      []string{"--configdir", flagConfig},
			env:       append(xdgEnv(root), "JELLYFIN_CONFIG_DIR="+envConfig),
			dataDir:   filepath.Join(xdgData, "jellyfin"),
			configDir: flagConfig,
			cache:     filepath.Join(xdgCache, "jellyfin"),
		},
		{
			name:      "configdir env beats datadir default",
			env:       append(xdgEnv(root), "JELLYFIN_DATA_DIR="+envData, "JELLYFIN_CONFIG_DIR="+envConfig),
			dataDir:   envData,
			configDir: envConfig,
			cache:     filepath.Join(xdgCache, "jellyfin"),
		},
		{
			name:      "cachedir flag",
			args:      []string{"--cachedir", flagCache},
			env:       xdgEnv(root),
			dataDir:   filepath.Join(xdgData, "jellyfin"),
			configDir: filepath.Join(xdgConfig, "jellyfin"),
			cache:     flagCache,
		},
		{
			name:      "cachedir env",
			env:       append(xdgEnv(root), "JELLYFIN_CACHE_DIR="+envCache),
			dataDir:   filepath.Join(xdgData, "jellyfin"),
			configDir: filepath.Join(xdgConfig, "jellyfin"),
			cache:     envCache,
		},
		{
			name:      "cachedir flag beats env",
			args:      []string{"--cachedir", flagCache},
			env:       append(xdgEnv(root), "JELLYFIN_CACHE_DIR="+envCache),
			dataDir:   filepath.Join(xdgData, "jellyfin"),
			configDir: filepath.Join(xdgConfig, "jellyfin"),
			cache:     flagCache,
		},
		{
			name:      "cachedir is not inside an explicit datadir",
			args:      []string{"--datadir", flagData},
			env:       xdgEnv(root),
			dataDir:   flagData,
			configDir: filepath.Join(flagData, "config"),
			cache:     filepath.Join(xdgCache, "jellyfin"),
		},
		{
			name:      "all three flags",
			args:      []string{"--datadir", flagData, "--configdir", flagConfig, "--cachedir", flagCache},
			env:       append(xdgEnv(root), "JELLYFIN_DATA_DIR="+envData, "JELLYFIN_CONFIG_DIR="+envConfig, "JELLYFIN_CACHE_DIR="+envCache),
			dataDir:   flagData,
			configDir: flagConfig,
			cache:     flagCache,
		},
		{
			name:      "malformed environ entries are ignored",
			env:       append(xdgEnv(root), "NOEQUALS", "JELLYFIN_DATA_DIR"),
			dataDir:   filepath.Join(xdgData, "jellyfin"),
			configDir: filepath.Join(xdgConfig, "jellyfin"),
			cache:     filepath.Join(xdgCache, "jellyfin"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadWith(t, tt.args, tt.env)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if c.DataDir != tt.dataDir {
				t.Errorf("DataDir = %q, want %q", c.DataDir, tt.dataDir)
			}
			if c.ConfigDir != tt.configDir {
				t.Errorf("ConfigDir = %q, want %q", c.ConfigDir, tt.configDir)
			}
			if c.CacheDir != tt.cache {
				t.Errorf("CacheDir = %q, want %q", c.CacheDir, tt.cache)
			}
			if want := filepath.Join(tt.configDir, FileName); c.File != want {
				t.Errorf("File = %q, want %q", c.File, want)
			}
			if c.ConnectionStrings == nil {
				t.Errorf("ConnectionStrings is nil, want an empty map")
			}
			if c.DatabaseProvider != "" {
				t.Errorf("DatabaseProvider = %q, want empty", c.DatabaseProvider)
			}
		})
	}
}

// TestLoadHomeFallback checks the defaults without any XDG variable: they
// are under the home directory os.UserHomeDir reports.
func TestLoadHomeFallback(t *testing.T) {
	home, err := os.UserHomeDir()
	if err != nil {
		t.Skipf("no home directory: %v", err)
	}
	// The data directory is given explicitly so that no file is read from
	// the real home; the cache directory still falls back.
	data := t.TempDir()
	c, err := loadWith(t, []string{"--datadir", data}, nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if want := filepath.Join(home, ".cache", "jellyfin"); c.CacheDir != want {
		t.Errorf("CacheDir = %q, want %q", c.CacheDir, want)
	}
	if want := filepath.Join(data, "config"); c.ConfigDir != want {
		t.Errorf("ConfigDir = %q, want %q", c.ConfigDir, want)
	}
}

func TestLoadFile(t *testing.T) {
	const pg = "Host=jellyfin-postgres;Port=5432;Database=jellyfin;Username=jellyfin;Password=secret"
	tests := []struct {
		name     string
		file     string // contents of <configdir>/jellyha.json; "" for none
		env      []string
		provider string
		conns    map[string]string
	}{
		{
			name:  "no file",
			conns: map[string]string{},
		},
		{
			name:     "provider and connection strings",
			file:     `{"DatabaseProvider": "Jellyfin-PostgreSQL", "ConnectionStrings": {"Jellyfin-PostgreSQL": "` + pg + `"}}`,
			provider: "Jellyfin-PostgreSQL",
			conns:    map[string]string{"Jellyfin-PostgreSQL": pg},
		},
		{
			name:     "provider only",
			file:     `{"DatabaseProvider": "Jellyfin-SQLite"}`,
			provider: "Jellyfin-SQLite",
			conns:    map[string]string{},
		},
		{
			name:  "empty object",
			file:  `{}`,
			conns: map[string]string{},
		},
		{
			name:  "several connection strings",
			file:  `{"ConnectionStrings": {"A": "a", "B": "b"}}`,
			conns: map[string]string{"A": "a", "B": "b"},
		},
		{
			name:     "env provider overrides file",
			file:     `{"DatabaseProvider": "Jellyfin-SQLite"}`,
			env:      []string{"JELLYFIN_DatabaseProvider=Jellyfin-PostgreSQL"},
			provider: "Jellyfin-PostgreSQL",
			conns:    map[string]string{},
		},
		{
			name:     "env provider matched without regard to case",
			file:     `{"DatabaseProvider": "Jellyfin-SQLite"}`,
			env:      []string{"JELLYFIN_DATABASEPROVIDER=Jellyfin-PostgreSQL"},
			provider: "Jellyfin-PostgreSQL",
			conns:    map[string]string{},
		},
		{
			name:     "empty env provider does not override file",
			file:     `{"DatabaseProvider": "Jellyfin-SQLite"}`,
			env:      []string{"JELLYFIN_DatabaseProvider="},
			provider: "Jellyfin-SQLite",
			conns:    map[string]string{},
		},
		{
			name:     "env provider without file",
			env:      []string{"JELLYFIN_DatabaseProvider=Jellyfin-PostgreSQL"},
			provider: "Jellyfin-PostgreSQL",
			conns:    map[string]string{},
		},
		{
			name:     "env connection string overrides file",
			file:     `{"DatabaseProvider": "Jellyfin-PostgreSQL", "ConnectionStrings": {"Jellyfin-PostgreSQL": "from-file", "Other": "kept"}}`,
			env:      []string{"JELLYFIN_ConnectionStrings__Jellyfin-PostgreSQL=from-env"},
			provider: "Jellyfin-PostgreSQL",
			conns:    map[string]string{"Jellyfin-PostgreSQL": "from-env", "Other": "kept"},
		},
		{
			name:  "env connection string prefix matched without regard to case",
			file:  `{"ConnectionStrings": {"Jellyfin-PostgreSQL": "from-file"}}`,
			env:   []string{"JELLYFIN_CONNECTIONSTRINGS__Jellyfin-PostgreSQL=from-env"},
			conns: map[string]string{"Jellyfin-PostgreSQL": "from-env"},
		},
		{
			name:  "env connection string lower-case prefix",
			env:   []string{"jellyfin_connectionstrings__Jellyfin-PostgreSQL=from-env"},
			conns: map[string]string{"Jellyfin-PostgreSQL": "from-env"},
		},
		{
			name:  "env connection string value keeps its '=' signs",
			env:   []string{"JELLYFIN_ConnectionStrings__Jellyfin-PostgreSQL=" + pg},
			conns: map[string]string{"Jellyfin-PostgreSQL": pg},
		},
		{
			name:  "env connection string adds to file",
			file:  `{"ConnectionStrings": {"A": "a"}}`,
			env:   []string{"JELLYFIN_ConnectionStrings__B=b"},
			conns: map[string]string{"A": "a", "B": "b"},
		},
		{
			name:  "bare prefix is not a connection string",
			env:   []string{"JELLYFIN_ConnectionStrings__=x"},
			conns: map[string]string{},
		},
		{
			name:  "other variables are ignored",
			env:   []string{"JELLYFIN_Other__Jellyfin-PostgreSQL=x", "ConnectionStrings__A=y"},
			conns: map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			data := filepath.Join(root, "data")
			file := filepath.Join(data, "config", FileName)
			if tt.file != "" {
				writeFile(t, file, tt.file)
			}
			c, err := loadWith(t, []string{"--datadir", data}, append(xdgEnv(root), tt.env...))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if c.File != file {
				t.Errorf("File = %q, want %q", c.File, file)
			}
			if c.DatabaseProvider != tt.provider {
				t.Errorf("DatabaseProvider = %q, want %q", c.DatabaseProvider, tt.provider)
			}
			if len(c.ConnectionStrings) != len(tt.conns) {
				t.Errorf("ConnectionStrings = %q, want %q", c.ConnectionStrings, tt.conns)
			}
			for k, want := range tt.conns {
				if got, ok := c.ConnectionStrings[k]; !ok || got != want {
					t.Errorf("ConnectionStrings[%q] = %q (present %v), want %q", k, got, ok, want)
				}
			}
		})
	}
}

// TestLoadConnectionStringEnvKeyCase checks that an environment variable
// overrides the file's connection string even when the provider key is
// written in another case, as .NET configuration keys are case-insensitive.
func TestLoadConnectionStringEnvKeyCase(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	writeFile(t, filepath.Join(data, "config", FileName),
		`{"ConnectionStrings": {"Jellyfin-PostgreSQL": "from-file"}}`)
	env := append(xdgEnv(root), "JELLYFIN_ConnectionStrings__jellyfin-postgresql=from-env")
	c, err := loadWith(t, []string{"--datadir", data}, env)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for _, key := range []string{"Jellyfin-PostgreSQL", "jellyfin-postgresql", "JELLYFIN-POSTGRESQL"} {
		if got := c.ConnectionString(key); got != "from-env" {
			t.Errorf("ConnectionString(%q) = %q, want %q (ConnectionStrings = %q)", key, got, "from-env", c.ConnectionStrings)
		}
	}
}

func TestLoadConfigFileLocation(t *testing.T) {
	root := t.TempDir()
	data := filepath.Join(root, "data")
	confDir := filepath.Join(root, "conf")
	flagFile := filepath.Join(root, "flag.json")
	envFile := filepath.Join(root, "env.json")
	writeFile(t, filepath.Join(data, "config", FileName), `{"DatabaseProvider": "in-datadir"}`)
	writeFile(t, filepath.Join(confDir, FileName), `{"DatabaseProvider": "in-configdir"}`)
	writeFile(t, filepath.Join(root, "xdg-config", "jellyfin", FileName), `{"DatabaseProvider": "in-xdg"}`)
	writeFile(t, flagFile, `{"DatabaseProvider": "flag-file"}`)
	writeFile(t, envFile, `{"DatabaseProvider": "env-file"}`)

	tests := []struct {
		name     string
		args     []string
		env      []string
		file     string
		provider string
	}{
		{
			name:     "default under xdg config home",
			file:     filepath.Join(root, "xdg-config", "jellyfin", FileName),
			provider: "in-xdg",
		},
		{
			name:     "default under datadir",
			args:     []string{"--datadir", data},
			file:     filepath.Join(data, "config", FileName),
			provider: "in-datadir",
		},
		{
			name:     "configdir flag",
			args:     []string{"--datadir", data, "--configdir", confDir},
			file:     filepath.Join(confDir, FileName),
			provider: "in-configdir",
		},
		{
			name:     "configdir env",
			args:     []string{"--datadir", data},
			env:      []string{"JELLYFIN_CONFIG_DIR=" + confDir},
			file:     filepath.Join(confDir, FileName),
			provider: "in-configdir",
		},
		{
			name:     "config flag",
			args:     []string{"--datadir", data, "--config", flagFile},
			file:     flagFile,
			provider: "flag-file",
		},
		{
			name:     "config env",
			args:     []string{"--datadir", data},
			env:      []string{"JELLYHA_CONFIG=" + envFile},
			file:     envFile,
			provider: "env-file",
		},
		{
			name:     "config flag beats env",
			args:     []string{"--datadir", data, "--config", flagFile},
			env:      []string{"JELLYHA_CONFIG=" + envFile},
			file:     flagFile,
			provider: "flag-file",
		},
		{
			name:     "provider env beats explicit file",
			args:     []string{"--config", flagFile},
			env:      []string{"JELLYFIN_DatabaseProvider=from-env"},
			file:     flagFile,
			provider: "from-env",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadWith(t, tt.args, append(xdgEnv(root), tt.env...))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if c.File != tt.file {
				t.Errorf("File = %q, want %q", c.File, tt.file)
			}
			if c.DatabaseProvider != tt.provider {
				t.Errorf("DatabaseProvider = %q, want %q", c.DatabaseProvider, tt.provider)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		// file is written to <datadir>/config/jellyha.json unless it is
		// empty.
		file string
		// args, after --datadir; {{root}} is replaced by the temporary
		// directory.
		args []string
		env  []string
		// want lists substrings of the error; {{file}} is the path Load
		// reports in Config.File.
		want []string
	}{
		{
			name: "malformed JSON",
			file: `{"DatabaseProvider": `,
			want: []string{"{{file}}"},
		},
		{
			name: "not an object",
			file: `["Jellyfin-SQLite"]`,
			want: []string{"{{file}}"},
		},
		{
			name: "wrong type",
			file: `{"ConnectionStrings": "Host=x"}`,
			want: []string{"{{file}}"},
		},
		{
			name: "unknown key",
			file: `{"DatabaseProvider": "Jellyfin-SQLite", "Bogus": 1}`,
			want: []string{"{{file}}", "Bogus"},
		},
		{
			name: "misspelt key",
			file: `{"ConnectionString": {"Jellyfin-PostgreSQL": "x"}}`,
			want: []string{"{{file}}", "ConnectionString"},
		},
		{
			name: "trailing garbage",
			file: `{"DatabaseProvider": "Jellyfin-SQLite"} }`,
			want: []string{"{{file}}"},
		},
		{
			name: "missing explicit config flag",
			args: []string{"--config", "{{root}}/missing.json"},
			want: []string{"{{root}}/missing.json"},
		},
		{
			name: "missing explicit config env",
			env:  []string{"JELLYHA_CONFIG={{root}}/missing.json"},
			want: []string{"{{root}}/missing.json"},
		},
		{
			name: "config path is a directory",
			args: []string{"--config", "{{root}}"},
			want: []string{"{{root}}"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			data := filepath.Join(root, "data")
			file := filepath.Join(data, "config", FileName)
			if tt.file != "" {
				writeFile(t, file, tt.file)
			}
			sub := strings.NewReplacer("{{root}}", root)
			args := []string{"--datadir", data}
			for _, a := range tt.args {
				args = append(args, sub.Replace(a))
			}
			env := xdgEnv(root)
			for _, e := range tt.env {
				env = append(env, sub.Replace(e))
			}
			c, err := loadWith(t, args, env)
			if err == nil {
				t.Fatalf("Load succeeded (%+v), want an error", c)
			}
			if c != nil {
				t.Errorf("Load returned a config with its error: %+v", c)
			}
			for _, w := range tt.want {
				w = strings.NewReplacer("{{root}}", root, "{{file}}", file).Replace(w)
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadMissingDefaultFile(t *testing.T) {
	root := t.TempDir()
	tests := []struct {
		name string
		args []string
		env  []string
	}{
		{name: "xdg config home", env: xdgEnv(root)},
		{name: "datadir", args: []string{"--datadir", filepath.Join(root, "nodata")}, env: xdgEnv(root)},
		{name: "configdir", args: []string{"--configdir", filepath.Join(root, "noconf")}, env: xdgEnv(root)},
		{name: "configdir does not exist under datadir", args: []string{"--datadir", root}, env: xdgEnv(root)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadWith(t, tt.args, tt.env)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if c.DatabaseProvider != "" || len(c.ConnectionStrings) != 0 {
				t.Errorf("Load = %+v, want no database settings", c)
			}
			if !strings.HasSuffix(c.File, string(filepath.Separator)+FileName) {
				t.Errorf("File = %q, want a path ending in %s", c.File, FileName)
			}
		})
	}
}

func TestConfigConnectionString(t *testing.T) {
	c := &Config{ConnectionStrings: map[string]string{
		"Jellyfin-PostgreSQL": "pg",
		"Jellyfin-SQLite":     "lite",
	}}
	tests := []struct {
		provider, want string
	}{
		{"Jellyfin-PostgreSQL", "pg"},
		{"jellyfin-postgresql", "pg"},
		{"JELLYFIN-POSTGRESQL", "pg"},
		{"Jellyfin-SQLite", "lite"},
		{"jellyfin-sqlite", "lite"},
		{"Jellyfin-MySQL", ""},
		{"", ""},
		{"Jellyfin-PostgreSQ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.provider, func(t *testing.T) {
			if got := c.ConnectionString(tt.provider); got != tt.want {
				t.Errorf("ConnectionString(%q) = %q, want %q", tt.provider, got, tt.want)
			}
		})
	}

	t.Run("exact match preferred", func(t *testing.T) {
		c := &Config{ConnectionStrings: map[string]string{"Key": "exact", "KEY": "other"}}
		for i := 0; i < 20; i++ {
			if got := c.ConnectionString("Key"); got != "exact" {
				t.Fatalf("ConnectionString(%q) = %q, want %q", "Key", got, "exact")
			}
		}
	})
	t.Run("nil map", func(t *testing.T) {
		var c Config
		if got := c.ConnectionString("Jellyfin-PostgreSQL"); got != "" {
			t.Errorf("ConnectionString on empty Config = %q, want empty", got)
		}
	})
}
