"The deployment files say what the service needs: the health check on /health, port 8000, non-root, limits (issue 21)."
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_elastic_beanstalk_checks_health_on_port_8000():
    options = yaml.safe_load((ROOT / '.ebextensions' / 'artcolor.config').read_text())['option_settings']
    process = options['aws:elasticbeanstalk:environment:process:default']
    assert process['HealthCheckPath'] == '/health' and process['Port'] == '8000'
    assert options['aws:elasticbeanstalk:application']['Application Healthcheck URL'] == '/health'
    assert all(k.startswith('ARTCOLOR_') for k in options['aws:elasticbeanstalk:application:environment'])
    assert 'EXPOSE 8000' in (ROOT / 'Dockerfile').read_text()
    assert 'client_max_body_size' in (ROOT / '.platform' / 'nginx' / 'conf.d' / 'artcolor.conf').read_text()


def test_kubernetes_deployment_probes_limits_and_non_root():
    docs = {d['kind']: d for f in (ROOT / 'deploy' / 'kubernetes').glob('*.yaml') for d in yaml.safe_load_all(f.read_text()) if d}
    pod = docs['Deployment']['spec']['template']['spec']
    api = pod['containers'][0]
    assert api['readinessProbe']['httpGet']['path'] == api['livenessProbe']['httpGet']['path'] == '/health'
    assert {'cpu', 'memory'} <= set(api['resources']['requests']) and {'cpu', 'memory'} <= set(api['resources']['limits'])
    assert pod['securityContext']['runAsNonRoot'] and api['securityContext']['readOnlyRootFilesystem']
    assert any(m['mountPath'] == '/tmp' for m in api['volumeMounts'])
    assert docs['Service']['spec']['ports'][0]['targetPort'] == 'http' == api['ports'][0]['name'] and api['ports'][0]['containerPort'] == 8000
    assert docs['HorizontalPodAutoscaler']['spec']['metrics'][0]['resource']['name'] == 'cpu'


def test_the_worker_count_follows_the_cpu_limit(tmp_path):
    "What the manifests rely on: two CPUs of quota, two workers; one, one."
    from api.serve import cgroup_cpu_limit
    for quota, cores in (('200000 100000', 2.0), ('100000 100000', 1.0), ('max 100000', None)):
        (tmp_path / 'cpu.max').write_text(quota)
        assert cgroup_cpu_limit(tmp_path) == cores
