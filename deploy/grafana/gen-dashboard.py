#!/usr/bin/env python3
# gen-dashboard.py - writes deploy/grafana/tdxtrace-dashboard.json (run from the repo root);
# the JSON is committed, edit this and rerun.  Every expr is run by tests/exporter.
import json
pid=[0]
def P(title, exprs, kind="timeseries", unit=None, w=12, h=8, legend=None, fmt=None):
    pid[0]+=1
    t=[]
    for i,e in enumerate(exprs):
        if isinstance(e, tuple): e,lg=e
        else: lg=legend or ""
        d={"refId":chr(65+i),"expr":e,"legendFormat":lg,"datasource":{"type":"prometheus","uid":"${datasource}"}}
        if fmt: d["format"]=fmt
        if kind in ("table","stat"): d["instant"]=True
        t.append(d)
    p={"id":pid[0],"type":kind,"title":title,"datasource":{"type":"prometheus","uid":"${datasource}"},
       "gridPos":{"h":h,"w":w,"x":0,"y":0},"targets":t,"fieldConfig":{"defaults":{},"overrides":[]},"options":{}}
    if unit: p["fieldConfig"]["defaults"]["unit"]=unit
    if kind=="heatmap":
        p["options"]={"calculate":False,"yAxis":{"unit":"s"},"cellGap":1,"color":{"scheme":"Oranges","mode":"scheme"}}
    return p
def row(title, y):
    pid[0]+=1
    return {"id":pid[0],"type":"row","title":title,"collapsed":False,"gridPos":{"h":1,"w":24,"x":0,"y":y},"panels":[]}
I='instance=~"$instance"'
T='instance=~"$instance",pid=~"$pid"'
R='$__rate_interval'
panels=[]
def place(ps):
    # lay out two per row
    y=max([p["gridPos"]["y"]+p["gridPos"]["h"] for p in panels] or [0])
    x=0
    for p in ps:
        if x+p["gridPos"]["w"]>24:
            x=0; y+=8
        p["gridPos"]["x"]=x; p["gridPos"]["y"]=y
        x+=p["gridPos"]["w"]
        panels.append(p)
def addrow(t):
    y=max([p["gridPos"]["y"]+p["gridPos"]["h"] for p in panels] or [0])
    panels.append(row(t,y))
addrow("Fleet overview")
place([
 P("Hosts up", ['sum(up{job=~"tdxtrace.*"})', 'count(up{job=~"tdxtrace.*"})'], "stat", w=6, legend="up"),
 P("TDs per host", ['tdxtrace_tds'], "timeseries", w=6, legend="{{instance}}"),
 P("SEAMCALLs/s per host", [f'sum by (instance) (rate(tdxtrace_seamcall_duration_seconds_count[{R}]))'], unit="ops", w=12, legend="{{instance}}"),
 P("SEAMCALL p99 per leaf, fleet", [f'histogram_quantile(0.99, sum by (leaf, le) (rate(tdxtrace_seamcall_duration_seconds_bucket[{R}])))'], unit="s", legend="{{leaf}}"),
 P("OPERAND_BUSY ratio per host", [f'sum by (instance) (rate(tdxtrace_seamcall_status_total{{class="busy"}}[{R}])) / sum by (instance) (rate(tdxtrace_seamcall_duration_seconds_count[{R}]))'], unit="percentunit", legend="{{instance}}"),
 P("TDX module and CPU per host", ['tdxtrace_tdx_module_info', 'tdxtrace_host_cpu_info', 'tdxtrace_session_info'], "table", w=24, fmt="table"),
])
addrow("Host ($instance)")
place([
 P("SEAMCALLs/s by leaf", [f'sum by (leaf) (rate(tdxtrace_seamcall_duration_seconds_count{{{I}}}[{R}]))'], unit="ops", legend="{{leaf}}"),
 P("SEAMCALL p50 / p99 by leaf", [(f'histogram_quantile(0.5, sum by (leaf, le) (rate(tdxtrace_seamcall_duration_seconds_bucket{{{I}}}[{R}])))',"p50 {{leaf}}"),(f'histogram_quantile(0.99, sum by (leaf, le) (rate(tdxtrace_seamcall_duration_seconds_bucket{{{I}}}[{R}])))',"p99 {{leaf}}")], unit="s"),
 P("SEAMCALL status classes/s", [f'sum by (class) (rate(tdxtrace_seamcall_status_total{{{I}}}[{R}]))'], unit="ops", legend="{{class}}"),
 P("EPT violations/s", [f'sum by (gpa) (rate(tdxtrace_ept_violations_total{{{I}}}[{R}]))'], unit="ops", legend="{{gpa}}"),
 P("TD exits/s by reason", [f'sum by (reason) (rate(tdxtrace_td_exits_total{{{I}}}[{R}]))'], unit="ops", legend="{{reason}}"),
 P("MapGPA conversions, bytes/s", [f'sum by (direction) (rate(tdxtrace_mapgpa_converted_bytes_total{{{I}}}[{R}]))'], unit="Bps", legend="to {{direction}}"),
 P("Frozen SPTE waits/s and hold time", [(f'sum(rate(tdxtrace_frozen_spte_waits_total{{{I}}}[{R}]))',"waits/s"),(f'sum(rate(tdxtrace_frozen_spte_hold_seconds_total{{{I}}}[{R}]))',"held s/s")]),
 P("Mixed 2M/1G ranges", [f'sum by (size) (tdxtrace_mixed_ranges{{{I}}})'], legend="{{size}}"),
])
addrow("TD ($pid)")
place([
 P("SEAMCALL latency heatmap", [f'sum by (le) (rate(tdxtrace_seamcall_duration_seconds_bucket{{{T}}}[{R}]))'], "heatmap", legend="{{le}}", fmt="heatmap"),
 P("EPT violation handling heatmap", [f'sum by (le) (rate(tdxtrace_ept_violation_duration_seconds_bucket{{{T}}}[{R}]))'], "heatmap", legend="{{le}}", fmt="heatmap"),
 P("SEAMCALL p99 by leaf", [f'histogram_quantile(0.99, sum by (leaf, le) (rate(tdxtrace_seamcall_duration_seconds_bucket{{{T}}}[{R}])))'], unit="s", legend="{{leaf}}"),
 P("TD exits/s by reason", [f'sum by (reason) (rate(tdxtrace_td_exits_total{{{T}}}[{R}]))'], unit="ops", legend="{{reason}}"),
 P("MapGPA round trip p99", [f'histogram_quantile(0.99, sum by (le) (rate(tdxtrace_mapgpa_round_trip_seconds_bucket{{{T}}}[{R}])))'], unit="s", legend="p99"),
 P("Private memory that is or could be huge", [f'tdxtrace_private_hugeable_ratio{{{T}}}'], unit="percentunit", legend="{{pid}} {{domain}}"),
])
addrow("tdxtrace itself (loss)")
place([
 P("Dropped / lost / filtered events/s", [(f'sum by (instance, map) (rate(tdxtrace_dropped_events_total{{{I}}}[{R}]))',"dropped {{instance}} {{map}}"),(f'sum by (instance, where) (rate(tdxtrace_lost_events_total{{{I}}}[{R}]))',"lost {{instance}} {{where}}"),(f'sum by (instance) (rate(tdxtrace_filtered_events_total{{{I}}}[{R}]))',"filtered {{instance}}")], unit="ops"),
 P("Session up, reopens, scrape cost", [(f'tdxtrace_session_up{{{I}}}',"up {{instance}}"),(f'rate(tdxtrace_exporter_render_cpu_seconds_total{{{I}}}[{R}])',"render CPU {{instance}}"),(f'tdxtrace_exporter_last_samples{{{I}}}',"samples {{instance}}")]),
])
dash={
 "__inputs":[{"name":"DS_PROMETHEUS","label":"Prometheus","type":"datasource","pluginId":"prometheus","pluginName":"Prometheus"}],
 "title":"tdxtrace: Intel TDX hosts","uid":"tdxtrace-fleet","tags":["tdxtrace","tdx","kvm"],
 "schemaVersion":37,"version":1,"editable":True,"time":{"from":"now-1h","to":"now"},"refresh":"30s",
 "description":"tdxtrace exporter (docs/exporter.md): fleet overview, per host, per TD drill-down, latency heatmaps, loss.",
 "templating":{"list":[
   {"name":"datasource","type":"datasource","query":"prometheus","label":"Data source"},
   {"name":"instance","type":"query","label":"Host","datasource":{"type":"prometheus","uid":"${datasource}"},"query":{"query":"label_values(tdxtrace_build_info, instance)","refId":"I"},"definition":"label_values(tdxtrace_build_info, instance)","includeAll":True,"multi":True,"allValue":".+","refresh":2},
   {"name":"pid","type":"query","label":"TD (VMM pid)","datasource":{"type":"prometheus","uid":"${datasource}"},"query":{"query":"label_values(tdxtrace_td_info{instance=~\"$instance\"}, pid)","refId":"P"},"definition":"label_values(tdxtrace_td_info{instance=~\"$instance\"}, pid)","includeAll":True,"multi":True,"allValue":".+","refresh":2},
 ]},
 "panels":panels,
}
json.dump(dash, open("deploy/grafana/tdxtrace-dashboard.json","w"), indent=1)
print(len(panels))
