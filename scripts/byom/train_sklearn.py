#!/usr/bin/env python3
"""Bring your own model: train a scikit-learn model on features exported by
`nba-mcp models export-features`, convert it to ONNX with skl2onnx, and (optionally) log and
register it in MLflow. `nba-mcp models import-onnx` then checks it and stores it where the
server serves it from.

The ONNX graph this writes is the contract the Rust server checks at load:
  * one float input `features`, shape [N, k], columns in the order of the metadata entry
    `nba_mcp.features` (comma-separated names nba-mcp computes);
  * an output `probabilities` [N, 2] (column 1: the home team wins) and an output `margin`
    [N, 1] (expected home points minus away points);
  * the metadata entry `nba_mcp.contract`: the export's contract (how the features were
    computed, from which games), copied unchanged.

Models: `logistic` (LogisticRegression on standardised features; the standardisation is
folded into the coefficients, because tract, the server's ONNX runtime, has no ai.onnx.ml
Scaler) or `trees` (GradientBoostingClassifier); the margin is a LinearRegression in
both. Run with the project's MLflow environment: .venv-mlflow/bin/python (scripts/setup-mlflow.sh).
"""

import argparse
import json
import sys

import numpy as np
import onnx
import pandas as pd
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression

OPSETS = {"": 17, "ai.onnx.ml": 3}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--features", required=True, help="CSV from nba-mcp models export-features")
    p.add_argument("--contract", help="its contract JSON (default: <features>.contract.json)")
    p.add_argument("--out", required=True, help="where to write the ONNX model")
    p.add_argument("--use", default="elo_edge,net_edge,home_court,home_rest,away_rest,home_b2b,away_b2b",
                   help="comma-separated feature columns the model uses")
    p.add_argument("--model", choices=["logistic", "trees"], default="logistic")
    p.add_argument("--c", type=float, default=1.0, help="inverse L2 strength of the logistic model")
    p.add_argument("--mlflow-uri", help="log the run and register the model on this MLflow server")
    p.add_argument("--registered-name", default="nba-byom", help="MLflow registered model name")
    p.add_argument("--alias", help="point this MLflow alias at the new version (models:/NAME@ALIAS)")
    return p.parse_args()


def classifier(kind, x, y, c):
    if kind == "trees":
        return GradientBoostingClassifier(n_estimators=100, max_depth=3, random_state=0).fit(x, y)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-12] = 1.0
    fitted = LogisticRegression(C=c, max_iter=1000).fit((x - mean) / scale, y)
    # The same model on raw features: w' = w / scale, b' = b - sum(w * mean / scale).
    fitted.coef_ = fitted.coef_ / scale
    fitted.intercept_ = fitted.intercept_ - (fitted.coef_ * mean).sum(axis=1)
    return fitted


def merged(clf_onnx, reg_onnx):
    """One graph: the classifier's nodes and the regressor's (renamed apart), one input."""
    graph = clf_onnx.graph
    keep = {i.name for i in reg_onnx.graph.input}
    rename = lambda n: n if (n in keep or n == "") else "margin_" + n
    out_name = reg_onnx.graph.output[0].name
    for node in reg_onnx.graph.node:
        node.name = "margin_" + node.name
        node.input[:] = [rename(n) for n in node.input]
        node.output[:] = ["margin" if n == out_name else rename(n) for n in node.output]
        graph.node.append(node)
    for init in reg_onnx.graph.initializer:
        init.name = rename(init.name)
        graph.initializer.append(init)
    out = onnx.helper.make_tensor_value_info("margin", onnx.TensorProto.FLOAT, [None, 1])
    graph.output.append(out)
    return clf_onnx


def main():
    a = parse_args()
    contract_path = a.contract or a.features + ".contract.json"
    with open(contract_path) as f:
        contract = f.read()
    json.loads(contract)  # fails loudly on a damaged contract
    df = pd.read_csv(a.features)
    use = [c.strip() for c in a.use.split(",") if c.strip()]
    missing = [c for c in use if c not in df.columns]
    if missing:
        sys.exit(f"--use names columns the export does not have: {missing}")
    x = df[use].to_numpy(dtype=np.float64)
    y = df["home_win"].to_numpy(dtype=np.int64)
    margin = df["margin"].to_numpy(dtype=np.float64)

    clf = classifier(a.model, x, y, a.c)
    reg = LinearRegression().fit(x, margin)
    types = [("features", FloatTensorType([None, len(use)]))]
    clf_onnx = convert_sklearn(clf, initial_types=types, target_opset=OPSETS,
                               options={id(clf): {"zipmap": False}})
    reg_onnx = convert_sklearn(reg, initial_types=types, target_opset=OPSETS)
    model = merged(clf_onnx, reg_onnx)
    for key, value in (("nba_mcp.features", ",".join(use)), ("nba_mcp.contract", contract),
                       ("nba_mcp.trainer", f"scikit-learn {a.model} via scripts/byom/train_sklearn.py")):
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    onnx.save(model, a.out)

    p = clf.predict_proba(x)[:, 1]
    brier = float(np.mean((p - y) ** 2))
    print(json.dumps({"out": a.out, "model": a.model, "features": use, "games": len(df),
                      "in_sample_brier": round(brier, 4)}))

    if a.mlflow_uri:
        import mlflow
        import mlflow.onnx

        mlflow.set_tracking_uri(a.mlflow_uri)
        mlflow.set_experiment("nba-mcp-byom")
        with mlflow.start_run(run_name=f"byom-{a.model}"):
            mlflow.log_params({"model": a.model, "features": ",".join(use), "C": a.c})
            mlflow.log_metric("in_sample_brier", brier)
            info = mlflow.onnx.log_model(model, name="model", registered_model_name=a.registered_name)
        version = info.registered_model_version
        if a.alias:
            mlflow.MlflowClient().set_registered_model_alias(a.registered_name, a.alias, version)
        print(json.dumps({"registered": a.registered_name, "version": str(version),
                          "uri": f"models:/{a.registered_name}/{version}"}))


if __name__ == "__main__":
    main()
