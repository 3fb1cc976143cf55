package jellyfin

import "github.com/jellyha/jellyha/internal/media"

// route is one endpoint: ServeMux's method and Go 1.22 pattern, its handler
// and who may call it. The table is the one list of what the API serves:
// routes are registered from it, the path normaliser is built from it, and
// the permission test walks it, so a new route is covered by all three.
type route struct {
	method  string
	pattern string
	handler handlerFunc
	access  access
}

func (rt *Router) table() []route {
	return []route{
		// Orchestrators' probes (not Jellyfin's, but Jellyfin answers them too).
		{"GET", "/health", rt.health, accessPublic},
		{"GET", "/health/live", rt.live, accessPublic},
		{"GET", "/health/ready", rt.health, accessPublic},

		// §3.1 discovery, every client's first calls.
		{"GET", "/System/Info/Public", rt.publicInfo, accessPublic},
		{"GET", "/System/Ping", rt.ping, accessPublic},
		{"POST", "/System/Ping", rt.ping, accessPublic},
		{"GET", "/System/Info", rt.systemInfo, accessUser},
		{"GET", "/System/Configuration/{key}", rt.getNamedConfiguration, accessUser},
		{"GET", "/Users/Public", rt.publicUsers, accessPublic},

		// §3.3 the startup wizard.
		{"GET", "/Startup/Configuration", rt.getStartupConfiguration, accessSetup},
		{"POST", "/Startup/Configuration", rt.setStartupConfiguration, accessSetup},
		{"GET", "/Startup/User", rt.getStartupUser, accessSetup},
		{"GET", "/Startup/FirstUser", rt.getStartupUser, accessSetup},
		{"POST", "/Startup/User", rt.setStartupUser, accessSetup},
		{"POST", "/Startup/RemoteAccess", rt.setStartupRemoteAccess, accessSetup},
		{"POST", "/Startup/Complete", rt.completeStartup, accessSetup},

		// §3.2 login and sessions.
		{"POST", "/Users/AuthenticateByName", rt.authenticateByName, accessPublic},
		{"POST", "/Users/ForgotPassword", rt.forgotPassword, accessPublic},
		{"POST", "/Users/AuthenticateWithQuickConnect", rt.authenticateWithQuickConnect, accessPublic},
		{"POST", "/Users/ForgotPassword/Pin", rt.forgotPasswordPin, accessPublic},
		{"POST", "/Sessions/Logout", rt.logout, accessUser},

		// §3.12 users.
		{"GET", "/Users", rt.listUsers, accessAdmin},
		{"GET", "/Users/Me", rt.me, accessUser},
		{"POST", "/Users/New", rt.createUser, accessAdmin},
		{"GET", "/Users/{userId}", rt.getUser, accessSelf},
		{"POST", "/Users", ownSettings(rt.updateUser), accessUser},
		{"POST", "/Users/{userId}", ownSettings(rt.updateUser), accessSelf},
		{"POST", "/Users/Configuration", ownSettings(rt.updateUserConfiguration), accessUser},
		{"POST", "/Users/{userId}/Configuration", ownSettings(rt.updateUserConfiguration), accessSelf},
		{"POST", "/Users/Password", ownSettings(rt.updatePassword), accessUser},
		{"DELETE", "/Users/{userId}", rt.deleteUser, accessAdmin},
		{"POST", "/Users/{userId}/Password", ownSettings(rt.updatePassword), accessSelf},
		{"POST", "/Users/{userId}/Policy", rt.updatePolicy, accessAdmin},
		// Profile pictures (userimages.go): anonymous to read, as in
		// Jellyfin (the login screen shows them); the user's or an
		// administrator's to change.
		{"GET", "/UserImage", rt.getUserImage, accessPublic},
		{"HEAD", "/UserImage", rt.getUserImage, accessPublic},
		{"POST", "/UserImage", ownSettings(rt.postUserImage), accessUser},
		{"DELETE", "/UserImage", ownSettings(rt.deleteUserImage), accessUser},
		{"GET", "/Users/{userId}/Images/{imageType}", rt.getUserImage, accessPublic},
		{"HEAD", "/Users/{userId}/Images/{imageType}", rt.getUserImage, accessPublic},
		{"GET", "/Users/{userId}/Images/{imageType}/{imageIndex}", rt.getUserImage, accessPublic},
		{"HEAD", "/Users/{userId}/Images/{imageType}/{imageIndex}", rt.getUserImage, accessPublic},
		{"POST", "/Users/{userId}/Images/{imageType}", ownSettings(rt.postUserImage), accessSelf},
		{"POST", "/Users/{userId}/Images/{imageType}/{imageIndex}", ownSettings(rt.postUserImage), accessSelf},
		{"DELETE", "/Users/{userId}/Images/{imageType}", ownSettings(rt.deleteUserImage), accessSelf},
		{"DELETE", "/Users/{userId}/Images/{imageType}/{imageIndex}", ownSettings(rt.deleteUserImage), accessSelf},

		// §3.1, §3.2 what clients ask during setup.
		{"GET", "/Branding/Configuration", rt.brandingConfiguration, accessPublic},
		{"GET", "/Branding/Css", rt.brandingCSS, accessPublic},
		{"GET", "/Branding/Css.css", rt.brandingCSS, accessPublic},
		{"GET", "/QuickConnect/Enabled", rt.quickConnectEnabled, accessPublic},
		{"POST", "/QuickConnect/Initiate", rt.quickConnectInitiate, accessPublic},
		{"GET", "/QuickConnect/Initiate", rt.quickConnectInitiate, accessPublic},
		{"GET", "/QuickConnect/Connect", rt.quickConnectConnect, accessPublic},
		{"POST", "/QuickConnect/Authorize", rt.quickConnectAuthorize, accessUser},
		{"POST", "/Sessions/Capabilities", rt.capabilities, accessUser},
		{"POST", "/Sessions/Capabilities/Full", rt.capabilitiesFull, accessUser},
		{"POST", "/Sessions/{sessionId}/Playing", rt.sessionPlay, accessUser},
		{"POST", "/Sessions/{sessionId}/Playing/{command}", rt.sessionPlaystate, accessUser},
		{"POST", "/Sessions/{sessionId}/Command", rt.sessionCommand, accessUser},
		{"POST", "/Sessions/{sessionId}/Command/{command}", rt.sessionCommand, accessUser},
		{"POST", "/Sessions/{sessionId}/System/{command}", rt.sessionCommand, accessUser},
		{"POST", "/Sessions/{sessionId}/Message", rt.sessionMessage, accessUser},
		{"POST", "/Sessions/{sessionId}/Viewing", rt.sessionViewing, accessUser},
		{"GET", "/System/Endpoint", rt.endpoint, accessUser},
		{"GET", "/Localization/Cultures", rt.cultures, accessPublic},
		{"GET", "/Localization/Countries", rt.countries, accessPublic},
		{"GET", "/Localization/ParentalRatings", rt.parentalRatings, accessPublic},
		{"GET", "/Localization/Options", rt.localizationOptions, accessPublic},

		// §3.12 API keys.
		{"GET", "/Auth/Keys", rt.listAPIKeys, accessAdmin},
		{"POST", "/Auth/Keys", rt.createAPIKey, accessAdmin},
		{"DELETE", "/Auth/Keys/{key}", rt.deleteAPIKey, accessAdmin},

		// §3.12 libraries and the library scan.
		{"GET", "/Library/VirtualFolders", rt.listVirtualFolders, accessAdmin},
		{"POST", "/Library/VirtualFolders", rt.addVirtualFolder, accessAdmin},
		{"DELETE", "/Library/VirtualFolders", rt.removeVirtualFolder, accessAdmin},
		{"POST", "/Library/VirtualFolders/Paths", rt.addMediaPath, accessAdmin},
		{"DELETE", "/Library/VirtualFolders/Paths", rt.removeMediaPath, accessAdmin},
		{"POST", "/Library/VirtualFolders/Name", rt.renameVirtualFolder, accessAdmin},
		{"POST", "/Library/Refresh", rt.refreshLibrary, accessAdmin},
		{"GET", "/ScheduledTasks", rt.listScheduledTasks, accessAdmin},
		{"GET", "/ScheduledTasks/{taskId}", rt.getScheduledTask, accessAdmin},
		{"POST", "/ScheduledTasks/Running/{taskId}", rt.startScheduledTask, accessAdmin},

		// §3.4 the home screen.
		{"GET", "/UserViews", rt.getViews, accessUser},
		{"GET", "/UserViews/GroupingOptions", rt.getGroupingOptions, accessUser},
		{"GET", "/Items/{itemId}/InstantMix", rt.getInstantMix, accessUser},
		{"GET", "/Items/{itemId}/Download", rt.getDownload, accessUser},
		{"GET", "/Playback/BitrateTest", rt.getBitrateTest, accessUser},
		{"HEAD", "/Items/{itemId}/Download", rt.getDownload, accessUser},
		{"GET", "/Songs/{itemId}/InstantMix", rt.getInstantMix, accessUser},
		{"GET", "/Albums/{itemId}/InstantMix", rt.getInstantMix, accessUser},
		{"GET", "/Artists/{itemId}/InstantMix", rt.getInstantMix, accessUser},
		{"GET", "/Playlists/{itemId}/InstantMix", rt.getInstantMix, accessUser},
		{"GET", "/MusicGenres/{name}/InstantMix", rt.getInstantMix, accessUser},
		{"GET", "/Artists/InstantMix", rt.getInstantMix, accessUser},
		{"GET", "/MusicGenres/InstantMix", rt.getInstantMix, accessUser},
		{"GET", "/Users/{userId}/GroupingOptions", rt.getGroupingOptions, accessSelf},
		{"GET", "/Users/{userId}/Views", rt.getViews, accessSelf},
		{"GET", "/UserItems/Resume", rt.getResume, accessUser},
		{"GET", "/Users/{userId}/Items/Resume", rt.getResume, accessSelf},
		{"GET", "/Shows/NextUp", rt.getNextUp, accessUser},
		{"GET", "/Shows/Upcoming", rt.getUpcoming, accessUser},
		{"GET", "/Items/Latest", rt.getLatest, accessUser},
		{"GET", "/Users/{userId}/Items/Latest", rt.getLatest, accessSelf},

		// §3.5 browsing and §3.6 item detail.
		{"GET", "/Items", rt.getItems, accessUser},
		{"GET", "/Users/{userId}/Items", rt.getItems, accessSelf},
		{"GET", "/Items/{itemId}", rt.getItem, accessUser},
		{"GET", "/Users/{userId}/Items/{itemId}", rt.getItem, accessSelf},
		{"GET", "/Shows/{seriesId}/Seasons", rt.getSeasons, accessUser},
		{"GET", "/Shows/{seriesId}/Episodes", rt.getEpisodes, accessUser},
		{"GET", "/Search/Hints", rt.getSearchHints, accessUser},
		{"GET", "/Items/Counts", rt.getItemCounts, accessUser},
		{"GET", "/Items/Root", rt.getRootFolder, accessUser},
		{"GET", "/Users/{userId}/Items/Root", rt.getRootFolder, accessSelf},
		{"GET", "/Library/MediaFolders", rt.getMediaFolders, accessAdmin},
		// §3.6 the detail page's extras (extras.go).
		{"GET", "/Items/{itemId}/Similar", rt.getSimilar, accessUser},
		{"GET", "/Items/{itemId}/Ancestors", rt.getAncestors, accessUser},
		{"GET", "/Items/{itemId}/SpecialFeatures", rt.getNoExtras, accessUser},
		{"GET", "/Users/{userId}/Items/{itemId}/SpecialFeatures", rt.getNoExtras, accessSelf},
		{"GET", "/Items/{itemId}/LocalTrailers", rt.getNoExtras, accessUser},
		{"GET", "/Users/{userId}/Items/{itemId}/LocalTrailers", rt.getNoExtras, accessSelf},
		{"GET", "/Items/{itemId}/Intros", rt.getNoItems, accessUser},
		{"GET", "/Users/{userId}/Items/{itemId}/Intros", rt.getNoItems, accessSelf},
		{"GET", "/Items/{itemId}/ThemeMedia", rt.getThemeMedia, accessUser},
		{"GET", "/Items/{itemId}/ThemeSongs", rt.getThemeList, accessUser},
		{"GET", "/Items/{itemId}/ThemeVideos", rt.getThemeList, accessUser},
		{"GET", "/Videos/{itemId}/AdditionalParts", rt.getNoItems, accessUser},
		{"GET", "/MediaSegments/{itemId}", rt.getNoItems, accessUser},
		{"GET", "/Items/Suggestions", rt.getSuggestions, accessUser},
		{"GET", "/Users/{userId}/Suggestions", rt.getSuggestions, accessSelf},
		{"GET", "/Movies/Recommendations", rt.getRecommendations, accessUser},
		// The names items are tagged with (values.go).
		{"GET", "/Genres", rt.itemValues("Genre", media.ItemValueGenre), accessUser},
		{"GET", "/MusicGenres", rt.itemValues("MusicGenre", media.ItemValueGenre), accessUser},
		{"GET", "/Studios", rt.itemValues("Studio", media.ItemValueStudio), accessUser},
		{"GET", "/Artists", rt.itemValues("MusicArtist", media.ItemValueArtist, media.ItemValueAlbumArtist), accessUser},
		{"GET", "/Artists/AlbumArtists", rt.itemValues("MusicArtist", media.ItemValueAlbumArtist), accessUser},
		{"GET", "/Persons", rt.getPersons, accessUser},
		{"GET", "/Items/Filters", rt.getFiltersLegacy, accessUser},
		{"GET", "/Items/Filters2", rt.getFilters, accessUser},

		// §3.7 images: anonymous, as in Jellyfin.
		{"GET", "/Items/{itemId}/Images", rt.getImageInfos, accessUser},
		{"GET", "/Items/{itemId}/Images/{imageType}", rt.getImage, accessPublic},
		{"HEAD", "/Items/{itemId}/Images/{imageType}", rt.getImage, accessPublic},
		{"GET", "/Items/{itemId}/Images/{imageType}/{imageIndex}", rt.getImage, accessPublic},
		{"HEAD", "/Items/{itemId}/Images/{imageType}/{imageIndex}", rt.getImage, accessPublic},

		// §3.8 user data.
		{"POST", "/UserPlayedItems/{itemId}", rt.markPlayed, accessUser},
		{"DELETE", "/UserPlayedItems/{itemId}", rt.markUnplayed, accessUser},
		{"POST", "/Users/{userId}/PlayedItems/{itemId}", rt.markPlayed, accessSelf},
		{"DELETE", "/Users/{userId}/PlayedItems/{itemId}", rt.markUnplayed, accessSelf},
		{"POST", "/UserFavoriteItems/{itemId}", rt.markFavorite, accessUser},
		{"DELETE", "/UserFavoriteItems/{itemId}", rt.unmarkFavorite, accessUser},
		{"POST", "/Users/{userId}/FavoriteItems/{itemId}", rt.markFavorite, accessSelf},
		{"DELETE", "/Users/{userId}/FavoriteItems/{itemId}", rt.unmarkFavorite, accessSelf},
		{"POST", "/UserItems/{itemId}/Rating", rt.setRating, accessUser},
		{"DELETE", "/UserItems/{itemId}/Rating", rt.clearRating, accessUser},
		{"POST", "/Users/{userId}/Items/{itemId}/Rating", rt.setRating, accessSelf},
		{"DELETE", "/Users/{userId}/Items/{itemId}/Rating", rt.clearRating, accessSelf},
		{"GET", "/UserItems/{itemId}/UserData", ownSettings(rt.getUserData), accessUser},
		{"POST", "/UserItems/{itemId}/UserData", ownSettings(rt.setUserData), accessUser},
		{"GET", "/Users/{userId}/Items/{itemId}/UserData", ownSettings(rt.getUserData), accessSelf},
		{"POST", "/Users/{userId}/Items/{itemId}/UserData", ownSettings(rt.setUserData), accessSelf},

		// §3.10 playback reporting and §3.11 sessions.
		{"POST", "/Sessions/Playing", rt.playingStart, accessUser},
		{"POST", "/Sessions/Playing/Progress", rt.playingProgress, accessUser},
		{"POST", "/Sessions/Playing/Stopped", rt.playingStopped, accessUser},
		{"POST", "/Sessions/Playing/Ping", rt.pingSession, accessUser},
		{"POST", "/PlayingItems/{itemId}", rt.legacyStart, accessUser},
		{"POST", "/PlayingItems/{itemId}/Progress", rt.legacyProgress, accessUser},
		{"DELETE", "/PlayingItems/{itemId}", rt.legacyStopped, accessUser},
		{"POST", "/Users/{userId}/PlayingItems/{itemId}", rt.legacyStart, accessSelf},
		{"POST", "/Users/{userId}/PlayingItems/{itemId}/Progress", rt.legacyProgress, accessSelf},
		{"DELETE", "/Users/{userId}/PlayingItems/{itemId}", rt.legacyStopped, accessSelf},
		{"GET", "/Sessions", rt.getSessions, accessUser},
		// The WebSocket: the token is checked (401) before the upgrade.
		{"GET", "/socket", rt.socket, accessUser},

		// §3.9 playback.
		{"GET", "/Items/{itemId}/PlaybackInfo", rt.getPlaybackInfo, accessUser},
		{"POST", "/Items/{itemId}/PlaybackInfo", rt.getPlaybackInfo, accessUser},
		// GET patterns answer HEAD too (ServeMux), which players send first.
		{"GET", "/Videos/{itemId}/stream", rt.streamStatic, accessUser},
		{"GET", "/Videos/{itemId}/{file}", rt.streamFile, accessUser},
		{"GET", "/Audio/{itemId}/stream", rt.streamStatic, accessUser},
		{"GET", "/Audio/{itemId}/{file}", rt.streamFile, accessUser},
		{"GET", "/Audio/{itemId}/universal", rt.universalAudio, accessUser},
		{"GET", "/Audio/{itemId}/Lyrics", rt.getLyrics, accessUser},
		// HLS transcodes (hls.go); players send the token as api_key.
		{"GET", "/Videos/{itemId}/master.m3u8", rt.hlsMaster, accessUser},
		{"GET", "/Videos/{itemId}/main.m3u8", rt.hlsMain, accessUser},
		{"GET", "/Videos/{itemId}/hls1/{playlistId}/{segment}", rt.hlsSegment, accessUser},
		{"GET", "/Audio/{itemId}/master.m3u8", rt.hlsMaster, accessUser},
		{"GET", "/Audio/{itemId}/main.m3u8", rt.hlsMain, accessUser},
		{"GET", "/Audio/{itemId}/hls1/{playlistId}/{segment}", rt.hlsSegment, accessUser},
		{"DELETE", "/Videos/ActiveEncodings", rt.stopEncodings, accessUser},
		// Subtitles as WebVTT (or SRT, ASS): the DeliveryUrl of a subtitle stream.
		{"GET", "/Videos/{itemId}/{mediaSourceId}/Subtitles/{index}/{file}", rt.getSubtitle, accessUser},
		{"GET", "/Videos/{itemId}/{mediaSourceId}/Subtitles/{index}/{start}/{file}", rt.getSubtitle, accessUser},

		// Display preferences (web client settings).
		{"GET", "/DisplayPreferences/{displayPreferencesId}", rt.getDisplayPreferences, accessUser},
		{"POST", "/DisplayPreferences/{displayPreferencesId}", rt.setDisplayPreferences, accessUser},
	}
}
