// Package types imports the Kubernetes API packages whose types the schema generator reads, so that this module's
// go.mod and go.sum pin their release.
package types

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Embedded uses one type of each package, so that both are imports of this package.
type Embedded struct {
	Affinity      corev1.Affinity
	LabelSelector metav1.LabelSelector
}
