// Pairing plan map: micro → mentor lines, joint unions as coloured clusters. Data from json_script.
document.addEventListener("DOMContentLoaded", function () {
  var data = JSON.parse(document.getElementById("map-data").textContent);
  var chart = echarts.init(document.getElementById("pairing-map"));
  var palette = ["#e377c2", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#bcbd22", "#7f7f7f"];
  var useGeo = data.outline && data.outline.type;
  var coord = useGeo ? { coordinateSystem: "geo" } : {};
  function merge(a, b) { for (var k in b) { a[k] = b[k]; } return a; }
  var series = [
    merge({ name: "结对连线", type: "lines", data: data.lines, silent: true,
            lineStyle: { color: "#1f77b4", width: 1, opacity: 0.5 } }, coord),
    merge({ name: "帮带工会", type: "scatter", symbol: "diamond", symbolSize: 11, data: data.mentors,
            itemStyle: { color: "#d62728" } }, coord),
    merge({ name: "结对企业", type: "scatter", symbolSize: 5, data: data.micros,
            itemStyle: { color: "#1f77b4" } }, coord),
    merge({ name: "未覆盖", type: "scatter", symbol: "path://M2,0L5,3L8,0L10,2L7,5L10,8L8,10L5,7L2,10L0,8L3,5L0,2Z", symbolSize: 8,
            data: data.uncovered, itemStyle: { color: "#555", borderColor: "#555" } }, coord)
  ];
  data.clusters.forEach(function (c, k) {
    series.push(merge({ name: c.kind, type: "scatter", symbolSize: 8, data: c.points.map(function (p) { return p.concat([c.name]); }),
                        itemStyle: { color: palette[k % palette.length] } }, coord));
  });
  var option = {
    tooltip: { formatter: function (p) {
      var v = p.value || [];
      if (p.seriesName === "帮带工会") { return v[2] + "（名额 " + v[3] + "）"; }
      if (p.seriesName === "未覆盖") { return v[2] + "：" + v[3]; }
      if (p.seriesName === "联合工会" || p.seriesName === "工会联合会") { return v[2] + " · " + v[3]; }
      return v[2] || p.name;
    } },
    legend: { data: ["帮带工会", "结对企业", "联合工会", "工会联合会", "未覆盖"] },
    series: series
  };
  if (useGeo) {
    echarts.registerMap("county", data.outline);
    option.geo = { map: "county", roam: true, itemStyle: { areaColor: "#f7f3ee", borderColor: "#999" } };
  } else {
    option.xAxis = { type: "value", scale: true, name: "经度" };
    option.yAxis = { type: "value", scale: true, name: "纬度" };
  }
  chart.setOption(option);
  window.addEventListener("resize", function () { chart.resize(); });
});
