package main

import (
	"github.com/plex/bountypay/compliance"
	"github.com/plex/bountypay/compliance/ofac"
	"github.com/plex/bountypay/policy"
	"github.com/plex/bountypay/worker"
)

// newDecider returns the program policy: the embedded, versioned rules.
func newDecider() (worker.Decider, error) {
	return policy.Default()
}

// newJurisdictions returns the embedded, versioned jurisdiction rules.
func newJurisdictions() (*compliance.Jurisdictions, error) {
	return compliance.DefaultJurisdictions()
}

// buildScreener indexes a loaded list for name screening.
func buildScreener(list *ofac.List, threshold float64) (*compliance.Screener, error) {
	return compliance.NewScreener(list.ToCompliance(), compliance.ScreenConfig{ReviewThreshold: threshold})
}

// newListBuilder builds screeners from stored list files, for the worker.
func newListBuilder(threshold float64) worker.ListBuilder {
	return func(files map[string][]byte) (worker.NameScreener, error) {
		list, err := ofac.Build(files)
		if err != nil {
			return nil, err
		}
		return buildScreener(list, threshold)
	}
}
