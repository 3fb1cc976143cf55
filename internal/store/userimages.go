package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jellyha/jellyha/internal/database"
	"github.com/jellyha/jellyha/internal/media"
)

// User profile pictures. Jellyfin's ImageInfos row says that a user has a
// picture and names its file; the bytes of pictures uploaded through
// jellyha are kept in jellyha_user_images, because replicas do not share a
// disk. A user's ImageInfos row is read with the user (media.User's
// ProfileImage).

// SetUserImage makes im the user's picture, with data as its bytes, in one
// transaction: the ImageInfos row is inserted or rewritten (its Id kept, as
// one row per user is all Jellyfin allows) and the bytes stored under the
// row's new tag. im.LastModified is kept to the microsecond, which both
// engines store exactly, so the tag computed here is the one a later read
// of the row computes.
func (s *Store) SetUserImage(ctx context.Context, im *media.UserImage, contentType string, data []byte) error {
	im.LastModified = im.LastModified.UTC().Truncate(time.Microsecond)
	err := s.inTx(ctx, func(t tx) error {
		if _, err := t.exec(ctx, `INSERT INTO "ImageInfos" ("LastModified", "Path", "UserId") VALUES (?, ?, ?)
ON CONFLICT ("UserId") DO UPDATE SET "LastModified" = excluded."LastModified", "Path" = excluded."Path"`,
			s.db.Time(im.LastModified), im.Path, database.GUID(im.UserID)); err != nil {
			return err
		}
		_, err := t.exec(ctx, `INSERT INTO jellyha_user_images (user_id, tag, content_type, data) VALUES (?, ?, ?, ?)
ON CONFLICT (user_id) DO UPDATE SET tag = excluded.tag, content_type = excluded.content_type, data = excluded.data`,
			database.GUID(im.UserID), im.Tag(), contentType, data)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: set the picture of user %s: %w", im.UserID, err)
	}
	return nil
}

// UserImageData returns the stored bytes of the user's picture whose tag
// is tag, and their content type; ENOTFOUND when none are stored for that
// tag (a picture only on disk: a user migrated from Jellyfin).
func (s *Store) UserImageData(ctx context.Context, userID media.ID, tag string) (data []byte, contentType string, err error) {
	err = s.queryRow(ctx, `SELECT content_type, data FROM jellyha_user_images WHERE user_id = ? AND tag = ?`,
		[]any{database.GUID(userID), tag}, &contentType, &data)
	if err != nil {
		return nil, "", fmt.Errorf("store: %w", notFound(err, "picture of user", userID))
	}
	return data, contentType, nil
}

// DeleteUserImage removes the user's picture: its ImageInfos row and its
// stored bytes. A user without one is left as is.
func (s *Store) DeleteUserImage(ctx context.Context, userID media.ID) error {
	err := s.inTx(ctx, func(t tx) error {
		if _, err := t.exec(ctx, `DELETE FROM "ImageInfos" WHERE "UserId" = ?`, database.GUID(userID)); err != nil {
			return err
		}
		_, err := t.exec(ctx, `DELETE FROM jellyha_user_images WHERE user_id = ?`, database.GUID(userID))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: delete the picture of user %s: %w", userID, err)
	}
	return nil
}
