package jellyfin

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/jellyha/jellyha/internal/media"
)

// Keys in jellyha_settings. Jellyfin keeps these in system.xml and
// network.xml; jellyha keeps them in the database so that every replica
// sees the same values.
const (
	settingServerID           = "ServerId"
	settingWizardCompleted    = "StartupWizardCompleted"
	settingServerName         = "ServerName"
	settingUICulture          = "UICulture"
	settingMetadataCountry    = "MetadataCountryCode"
	settingMetadataLanguage   = "PreferredMetadataLanguage"
	settingEnableRemoteAccess = "EnableRemoteAccess"
)

// health is readiness: the database answers and its schema is current.
// Jellyfin's /health answers "Healthy" or "Unhealthy" as text.
func (rt *Router) health(w http.ResponseWriter, r *http.Request, _ *principal) error {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	st, err := rt.store.DB().Status(ctx)
	if err != nil || !st.Current() {
		rt.log.Warn("not ready", "err", err)
		writeText(w, http.StatusServiceUnavailable, "Unhealthy")
		return nil
	}
	writeText(w, http.StatusOK, "Healthy")
	return nil
}

// live is liveness: the process answers. It must not touch the database,
// or an orchestrator would restart every replica during a database outage.
func (rt *Router) live(w http.ResponseWriter, _ *http.Request, _ *principal) error {
	writeText(w, http.StatusOK, "Healthy")
	return nil
}

func (rt *Router) ping(w http.ResponseWriter, _ *http.Request, _ *principal) error {
	writeText(w, http.StatusOK, "Jellyfin Server")
	return nil
}

// wizardCompleted reads the startup wizard's state from the database.
func (rt *Router) wizardCompleted(ctx context.Context) (bool, error) {
	v, _, err := rt.store.Setting(ctx, settingWizardCompleted)
	return v == "true", err
}

// PublicSystemInfo is Jellyfin's anonymous server description.
type PublicSystemInfo struct {
	LocalAddress           string
	ServerName             string
	Version                string
	ProductName            string
	OperatingSystem        string
	ID                     string `json:"Id"`
	StartupWizardCompleted bool
}

// SystemInfo is the authenticated superset of PublicSystemInfo. Only what
// clients read is filled in; jellyha has no installer, restarts or updates.
type SystemInfo struct {
	PublicSystemInfo
	OperatingSystemDisplayName string
	HasPendingRestart          bool
	IsShuttingDown             bool
	SupportsLibraryMonitor     bool
	WebSocketPortNumber        int
	CompletedInstallations     []struct{}
	CanSelfRestart             bool
	CanLaunchWebBrowser        bool
	CastReceiverApplications   []struct{}
	HasUpdateAvailable         bool
	EncoderLocation            string
	SystemArchitecture         string
}

func (rt *Router) publicSystemInfo(r *http.Request) (*PublicSystemInfo, error) {
	s, err := rt.store.Settings(r.Context(), settingWizardCompleted, settingServerName)
	if err != nil {
		return nil, err
	}
	name := s[settingServerName]
	if name == "" {
		name = rt.hostName
	}
	return &PublicSystemInfo{
		LocalAddress:           "http://" + r.Host,
		ServerName:             name,
		Version:                Version,
		ProductName:            "Jellyfin Server",
		OperatingSystem:        "",
		ID:                     rt.serverID.String(),
		StartupWizardCompleted: s[settingWizardCompleted] == "true",
	}, nil
}

func (rt *Router) publicInfo(w http.ResponseWriter, r *http.Request, _ *principal) error {
	info, err := rt.publicSystemInfo(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, info)
	return nil
}

func (rt *Router) systemInfo(w http.ResponseWriter, r *http.Request, _ *principal) error {
	pub, err := rt.publicSystemInfo(r)
	if err != nil {
		return err
	}
	arch := map[string]string{"amd64": "X64", "arm64": "Arm64", "386": "X86", "arm": "Arm"}[runtime.GOARCH]
	if arch == "" {
		arch = runtime.GOARCH
	}
	writeJSON(w, http.StatusOK, &SystemInfo{
		PublicSystemInfo:           *pub,
		OperatingSystemDisplayName: runtime.GOOS,
		WebSocketPortNumber:        8096,
		CompletedInstallations:     []struct{}{},
		CastReceiverApplications:   []struct{}{},
		EncoderLocation:            "System",
		SystemArchitecture:         arch,
	})
	return nil
}

// EncodingOptions is the part of Jellyfin's "encoding" configuration that
// jellyfin-web's player reads: before drawing ASS/SSA subtitles with its
// libass renderer it asks whether to load fallback fonts, and without an
// answer it never draws them. The values are Jellyfin's defaults and what
// jellyha's transcoder does (no hardware acceleration, no throttling).
type EncodingOptions struct {
	EncodingThreadCount      int
	FallbackFontPath         string
	EnableFallbackFont       bool
	EnableAudioVbr           bool
	DownMixAudioBoost        float64
	MaxMuxingQueueSize       int
	EnableThrottling         bool
	ThrottleDelaySeconds     int
	EnableSegmentDeletion    bool
	SegmentKeepSeconds       int
	HardwareAccelerationType string
	EnableTonemapping        bool
	H264Crf                  int
	H265Crf                  int
	EncoderPreset            string
	EnableHardwareEncoding   bool
	AllowHevcEncoding        bool
	AllowAv1Encoding         bool
	EnableSubtitleExtraction bool
	HardwareDecodingCodecs   []string
}

// getNamedConfiguration is GET /System/Configuration/{key}. Only the
// "encoding" section is known; the others are the dashboard's, which
// jellyha does not serve.
func (rt *Router) getNamedConfiguration(w http.ResponseWriter, r *http.Request, _ *principal) error {
	if !strings.EqualFold(r.PathValue("key"), "encoding") {
		return media.Errorf(media.ENOTFOUND, "no configuration section %q", r.PathValue("key"))
	}
	writeJSON(w, http.StatusOK, &EncodingOptions{
		EncodingThreadCount: -1, DownMixAudioBoost: 2, MaxMuxingQueueSize: 2048, ThrottleDelaySeconds: 180,
		SegmentKeepSeconds: 720, HardwareAccelerationType: "none", H264Crf: 23, H265Crf: 28, EncoderPreset: "auto",
		EnableHardwareEncoding: true, EnableSubtitleExtraction: true, HardwareDecodingCodecs: []string{"h264", "vc1"},
	})
	return nil
}
