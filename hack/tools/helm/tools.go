//go:build tools

// Package tools pins helm, which the scanner and the chart tests render with.
package tools

import _ "helm.sh/helm/v3/cmd/helm"
