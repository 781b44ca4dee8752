//go:build tools

// Package tools pins kustomize, which the scanner and the overlay tests render with.
package tools

import _ "sigs.k8s.io/kustomize/kustomize/v5"
