package media

import "time"

// Device is a logged-in client: a row of Jellyfin's Devices table, which is
// where Jellyfin keeps session access tokens.
type Device struct {
	ID               int64
	UserID           ID
	AccessToken      string
	AppName          string
	AppVersion       string
	DeviceName       string
	DeviceID         string
	IsActive         bool
	DateCreated      time.Time
	DateModified     time.Time
	DateLastActivity time.Time
}

// APIKey is an application key an administrator issued (the ApiKeys table).
type APIKey struct {
	ID               int64
	Name             string
	AccessToken      string
	DateCreated      time.Time
	DateLastActivity time.Time
}
