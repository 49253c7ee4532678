"""The one list of reported figures: how each is read and written, and where it applies."""
from explorer.metric_catalog import METRICS, Metric, metrics_of
from explorer.models.registry import kinds


def test_figures_are_written_short_and_read_from_their_details():
    elbo, accuracy = Metric("elbo", "test −ELBO", "nats"), Metric("c", "class accuracy", headline="accuracy")
    assert elbo.format({"elbo": 31.94012}) == "31.940" and elbo.title == "test −ELBO (nats)"
    assert Metric("au", "active units").format({"au": 10}) == "10"
    assert accuracy.format({"c": {"accuracy": 0.9222, "per_class": [0.9] * 10}}) == "0.922"
    assert elbo.format({"elbo": [1.0, 2.0]}) is None and elbo.format({}) is None and elbo.format({"elbo": True}) is None


def test_what_a_figure_needs():
    by_key = {metric.key: metric for metric in METRICS}
    assert not by_key["kl"].applies(has_kl=False, domain="image") and by_key["recon"].applies(False, "image")
    assert by_key["ppl"].applies(True, "text") and not by_key["ppl"].applies(True, "image")


def test_kinds_add_their_own_figures_once():
    keys = [metric.key for metric in METRICS]
    assert len(keys) == len(set(keys))
    aae = metrics_of(kinds()["aae"].info.metrics)
    assert [metric.key for metric in aae][-1] == "component_fit" and len(aae) == len(METRICS) + 1


def test_mutual_information_is_written_against_its_ceiling():
    mi = {metric.key: metric for metric in METRICS}["mutual_info"]
    assert mi.format({"mutual_info": 8.0, "mutual_info_items": 4802}) == "8.000 (94% of log 4,802)"
    assert mi.format({"mutual_info": 8.0}) == "8.000"  # a file written before the count was kept
    assert mi.format({"mutual_info": 8.0, "mutual_info_items": True}) == "8.000"
