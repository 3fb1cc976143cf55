package store

// SetAttachChunk makes attach ask about n items per statement until the
// returned function restores the default.
func SetAttachChunk(n int) (restore func()) {
	old := attachChunkSize
	attachChunkSize = n
	return func() { attachChunkSize = old }
}
