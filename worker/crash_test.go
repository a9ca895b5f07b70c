package worker_test

import (
	"testing"

	"github.com/plex/bountypay/internal/pgtest"
)

func TestMain(m *testing.M) {
	pgtest.Main(m)
}
