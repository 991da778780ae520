// The example app of apps/main.ts, written in Go against the generated bindings: the install chart, a tenant, the
// upstream jupyterlab kind with its port, image and pod-size options and a redirect, and three Workspaces with their
// claims. test/bindings/run.sh synthesizes it and the TypeScript app and compares the files byte for byte.
package main

import (
	"os"

	"github.com/aws/jsii-runtime-go"
	kfws "github.com/cdk8s-kubeflow-workspaces/cdk8s-kubeflow-workspaces-go/kubeflowworkspaces"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
)

const teamNamespace = "team-ml"

// addJupyterLabKind is apps/jupyterlab-kind.ts: the upstream jupyterlab sample WorkspaceKind, option for option.
func addJupyterLabKind(scope constructs.Construct, id string) kfws.WorkspaceKind {
	kind := kfws.NewWorkspaceKind(scope, jsii.String(id), &kfws.WorkspaceKindProps{
		Name:               jsii.String("jupyterlab"),
		DisplayName:        jsii.String("JupyterLab Notebook"),
		Description:        jsii.String("A Workspace which runs JupyterLab in a Pod"),
		Hidden:             jsii.Bool(false),
		Deprecated:         jsii.Bool(false),
		DeprecationMessage: jsii.String("This WorkspaceKind will be removed on 20XX-XX-XX, please use another WorkspaceKind."),
		Icon:               kfws.SpawnerImage_FromUrl(jsii.String("https://jupyter.org/assets/favicons/apple-touch-icon-152x152.png")),
		Logo:               kfws.SpawnerImage_FromUrl(jsii.String("https://upload.wikimedia.org/wikipedia/commons/3/38/Jupyter_logo.svg")),
		PodLabels:          &map[string]*string{"my-workspace-kind-label": jsii.String("my-value")},
		PodAnnotations:     &map[string]*string{"my-workspace-kind-annotation": jsii.String("my-value")},
		ServiceAccountName: jsii.String("default-editor"),
		Culling: &kfws.CullingOptions{
			Enabled:       jsii.Bool(true),
			MaxInactive:   cdk8s.Duration_Hours(jsii.Number(24)),
			ActivityProbe: kfws.ActivityProbe_Jupyter(),
		},
		HomeMountPath: jsii.String("/home/jovyan"),
		ExtraEnv:      &[]*kfws.EnvVar{{Name: jsii.String("NB_PREFIX"), Value: jsii.String(`{{ httpPathPrefix "jupyterlab" }}`)}},
		ExtraVolumes: &[]*kfws.Volume{{
			Name:     jsii.String("dshm"),
			EmptyDir: &kfws.EmptyDirVolumeSource{Medium: kfws.EmptyDirMedium_MEMORY},
		}},
		ExtraVolumeMounts:  &[]*kfws.VolumeMount{{Name: jsii.String("dshm"), MountPath: jsii.String("/dev/shm")}},
		PodSecurityContext: &kfws.PodSecurityContext{FsGroup: jsii.Number(100)},
		ContainerSecurityContext: &kfws.ContainerSecurityContext{
			AllowPrivilegeEscalation: jsii.Bool(false),
			Capabilities:             &kfws.Capabilities{Drop: jsii.Strings("ALL")},
			RunAsNonRoot:             jsii.Bool(true),
		},
	})

	jupyterlab := kind.AddPort(&kfws.WorkspaceKindPortOptions{
		Id:               jsii.String("jupyterlab"),
		DisplayName:      jsii.String("JupyterLab"),
		RemovePathPrefix: jsii.Bool(false),
		RequestHeaders:   &kfws.RequestHeaders{},
	})
	pythonLabel := &[]*kfws.SpawnerLabel{{Key: jsii.String("python_version"), Value: jsii.String("3.11")}}
	scipy180 := kind.AddImageConfig(&kfws.ImageConfigOptions{
		Id:              jsii.String("jupyterlab_scipy_180"),
		DisplayName:     jsii.String("jupyter-scipy:v1.8.0"),
		Description:     jsii.String("JupyterLab, with SciPy Packages"),
		Labels:          pythonLabel,
		Hidden:          jsii.Bool(true),
		Image:           jsii.String("ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-scipy:v1.8.0"),
		ImagePullPolicy: kfws.ImagePullPolicy_IF_NOT_PRESENT,
		Ports:           &[]*kfws.ImagePortOptions{{Port: jupyterlab, Number: jsii.Number(8888)}},
	})
	scipy190 := kind.AddImageConfig(&kfws.ImageConfigOptions{
		Id:              jsii.String("jupyterlab_scipy_190"),
		DisplayName:     jsii.String("jupyter-scipy:v1.9.0"),
		Description:     jsii.String("JupyterLab, with SciPy Packages"),
		Labels:          pythonLabel,
		Image:           jsii.String("ghcr.io/kubeflow/kubeflow/notebook-servers/jupyter-scipy:v1.9.0"),
		ImagePullPolicy: kfws.ImagePullPolicy_IF_NOT_PRESENT,
		Ports:           &[]*kfws.ImagePortOptions{{Port: jupyterlab, Number: jsii.Number(8888)}},
	})
	scipy180.RedirectTo(scipy190, &kfws.RedirectMessage{Level: kfws.RedirectLevel_INFO, Text: jsii.String("This update will change...")})
	kind.UseDefaultImageConfig(scipy190)

	kind.AddPodConfig(&kfws.PodConfigOptions{
		Id:          jsii.String("tiny_cpu"),
		DisplayName: jsii.String("Tiny CPU"),
		Description: jsii.String("Pod with 0.1 CPU, 128 Mb RAM"),
		Labels:      &[]*kfws.SpawnerLabel{{Key: jsii.String("cpu"), Value: jsii.String("100m")}, {Key: jsii.String("memory"), Value: jsii.String("128Mi")}},
		Resources:   &kfws.ResourceRequirements{Requests: &map[string]*string{"cpu": jsii.String("100m"), "memory": jsii.String("128Mi")}},
	})
	kind.AddPodConfig(&kfws.PodConfigOptions{
		Id:           jsii.String("small_cpu"),
		DisplayName:  jsii.String("Small CPU"),
		Description:  jsii.String("Pod with 1 CPU, 2 GB RAM"),
		Labels:       &[]*kfws.SpawnerLabel{{Key: jsii.String("cpu"), Value: jsii.String("1000m")}, {Key: jsii.String("memory"), Value: jsii.String("2Gi")}},
		Hidden:       jsii.Bool(false),
		Affinity:     &kfws.Affinity{},
		NodeSelector: &map[string]*string{},
		Tolerations:  &[]*kfws.Toleration{},
		Resources:    &kfws.ResourceRequirements{Requests: &map[string]*string{"cpu": jsii.String("1000m"), "memory": jsii.String("2Gi")}},
	})
	kind.AddPodConfig(&kfws.PodConfigOptions{
		Id:          jsii.String("big_gpu"),
		DisplayName: jsii.String("Big GPU"),
		Description: jsii.String("Pod with 4 CPU, 16 GB RAM, and 1 GPU"),
		Labels: &[]*kfws.SpawnerLabel{
			{Key: jsii.String("cpu"), Value: jsii.String("4000m")},
			{Key: jsii.String("memory"), Value: jsii.String("16Gi")},
			{Key: jsii.String("gpu"), Value: jsii.String("1")},
		},
		Hidden:       jsii.Bool(false),
		Affinity:     &kfws.Affinity{},
		NodeSelector: &map[string]*string{},
		Tolerations: &[]*kfws.Toleration{{
			Key: jsii.String("nvidia.com/gpu"), Operator: kfws.TolerationOperator_EXISTS, Effect: kfws.TaintEffect_NO_SCHEDULE,
		}},
		Resources: &kfws.ResourceRequirements{
			Requests: &map[string]*string{"cpu": jsii.String("4000m"), "memory": jsii.String("16Gi")},
			Limits:   &map[string]*string{"nvidia.com/gpu": jsii.String("1")},
		},
	})
	return kind
}

// addTeamWorkspaces is TeamWorkspacesChart of apps/main.ts: three Workspaces of the kind, with their claims.
func addTeamWorkspaces(chart cdk8s.Chart, kind kfws.WorkspaceKind) {
	scipy180 := (*kind.ImageConfigs())[0]
	smallCpu := (*kind.PodConfigs())[1]

	// A new home claim, synthesized before the Workspace; the kind's default options.
	kfws.NewWorkspace(chart, jsii.String("Alice"), &kfws.WorkspaceProps{
		Name:       jsii.String("alice"),
		Kind:       kind,
		HomeVolume: kfws.WorkspaceVolume_NewClaim(&kfws.NewClaimProps{Name: jsii.String("alice-home"), Size: cdk8s.Size_Gibibytes(jsii.Number(20))}),
	})

	// Paused, on a bigger pod, with an existing home claim and a shared read-only data set.
	kfws.NewWorkspace(chart, jsii.String("Bob"), &kfws.WorkspaceProps{
		Name:       jsii.String("bob"),
		Kind:       kind,
		PodConfig:  smallCpu,
		Paused:     jsii.Bool(true),
		HomeVolume: kfws.WorkspaceVolume_FromExistingClaim(jsii.String("bob-home")),
		DataVolumes: &[]*kfws.DataVolumeOptions{{
			Volume: kfws.WorkspaceVolume_NewClaim(&kfws.NewClaimProps{
				Name:        jsii.String("shared-datasets"),
				Size:        cdk8s.Size_Gibibytes(jsii.Number(100)),
				AccessModes: &[]kfws.ClaimAccessMode{kfws.ClaimAccessMode_READ_ONLY_MANY},
			}),
			MountPath: jsii.String("/data/datasets"),
			ReadOnly:  jsii.Bool(true),
		}},
	})

	// Still on the old image, whose option redirects to v1.9.0.
	kfws.NewWorkspace(chart, jsii.String("Carol"), &kfws.WorkspaceProps{
		Name:        jsii.String("carol"),
		Kind:        kind,
		ImageConfig: scipy180,
		HomeVolume:  kfws.WorkspaceVolume_NewClaim(&kfws.NewClaimProps{Name: jsii.String("carol-home")}),
		PodLabels:   &map[string]*string{"team.example.com/cost-center": jsii.String("ml-research")},
	})
}

func main() {
	mode := kfws.InstallMode_FULL
	if os.Getenv("KFWS_CONTROLLER_PROVIDED") == "true" {
		mode = kfws.InstallMode_CONTROLLER_PROVIDED
	}
	app := kfws.NewWorkspacesApp(&kfws.WorkspacesAppProps{ChartFileNames: kfws.ChartFileNames_APPLY_STAGE})

	install := &kfws.WorkspacesInstallChartProps{Mode: mode}
	if mode == kfws.InstallMode_FULL {
		install.Controller = &kfws.WorkspacesControllerProps{Webhook: kfws.AdmissionWebhookMode_SELF_MANAGED}
	}
	kfws.NewWorkspacesInstallChart(app, jsii.String("install"), install)

	tenants := cdk8s.NewChart(app, jsii.String("tenants"), nil)
	kfws.NewWorkspacesTenant(tenants, jsii.String("TeamMl"), &kfws.WorkspacesTenantProps{
		Namespace:     jsii.String(teamNamespace),
		Mode:          mode,
		Members:       &[]*kfws.TenantMember{{Kind: kfws.MemberKind_GROUP, Name: jsii.String("ml-engineers")}},
		ResourceQuota: &kfws.TenantResourceQuota{RequestsCpu: jsii.String("32"), RequestsMemory: jsii.String("128Gi"), Workspaces: jsii.Number(20)},
	})

	kinds := cdk8s.NewChart(app, jsii.String("kinds"), nil)
	jupyterlab := addJupyterLabKind(kinds, "JupyterLab")

	team := cdk8s.NewChart(app, jsii.String("team-ml"), &cdk8s.ChartProps{Namespace: jsii.String(teamNamespace)})
	addTeamWorkspaces(team, jupyterlab)

	kfws.ApplyOrder_Arrange(app, nil)
	app.Synth()
}
