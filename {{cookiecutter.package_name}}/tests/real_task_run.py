"""
Run one task of a DAG file the way an Airflow worker runs it, then print what came of it.

``dag.test()`` and ``airflow tasks test`` run a task inside the calling process, where no log
is masked unless that process says so. A worker runs it under the task SDK's supervisor:
``supervise_task`` forks the task runner, which parses the DAG file from its bundle, runs the
task and sends every log line, unmasked, over a socket; the supervisor registers each secret
the task reports (``mask_secret``, connections it reads) with its own secrets masker and
writes the masked lines to the task's log file. This script does exactly that, against the
in-process Execution API on the metadata database, so nothing but the API server's transport
is left out. Run it in a fresh interpreter (it forks) with AIRFLOW_HOME pointing at a migrated
database; it prints one line, ``RESULT {json}``, with the exit code, the task's final state,
its log file and its rendered template fields.

Usage: python real_task_run.py <dags folder> <dag file> <dag id> <task id>
"""

from __future__ import annotations

import json
import os
import sys
import uuid


def main(dags_folder: str, dag_file: str, dag_id: str, task_id: str) -> None:
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = dags_folder

    import pendulum
    from airflow.api_fastapi.execution_api.app import InProcessExecutionAPI
    from airflow.configuration import conf
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import BundleDagBag, sync_bag_to_db
    from airflow.executors.workloads import BundleInfo
    from airflow.models.dagbag import DBDagBag
    from airflow.models.renderedtifields import RenderedTaskInstanceFields
    from airflow.models.taskinstance import TaskInstance
    from airflow.sdk.api.client import Client
    from airflow.sdk.api.datamodels._generated import TaskInstance as WorkloadTaskInstance

    try:
        from airflow.sdk.execution_time.supervisor import supervise_task
    except ImportError:  # Airflow 3.2 names it supervise, with the same arguments
        from airflow.sdk.execution_time.supervisor import supervise as supervise_task
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState, TaskInstanceState
    from airflow.utils.types import DagRunTriggeredByType, DagRunType

    # What the DAG processor and the scheduler would have done: the DAG in the database, a
    # run of it, and the task queued for its first try.
    manager = DagBundlesManager()
    manager.sync_bundles_to_db()
    bundle = manager.get_bundle("dags-folder")
    bundle.initialize()
    bag = BundleDagBag(
        dag_folder=os.path.join(bundle.path, dag_file), bundle_path=bundle.path, bundle_name=bundle.name
    )
    if bag.import_errors:
        raise SystemExit(f"{dag_file} does not import: {bag.import_errors}")
    sync_bag_to_db(bag, bundle.name, None)
    with create_session() as session:
        dag = DBDagBag().get_latest_version_of_dag(dag_id, session=session)
        if dag is None:
            raise SystemExit(f"{dag_id} is not in {dag_file}")
        now = pendulum.now("UTC")
        run = dag.create_dagrun(
            run_id=f"real-task-run-{uuid.uuid4()}",
            logical_date=now,
            data_interval=(now, now),
            run_after=now,
            run_type=DagRunType.MANUAL,
            triggered_by=DagRunTriggeredByType.TEST,
            state=DagRunState.RUNNING,
            session=session,
        )
        queued = run.get_task_instance(task_id, session=session)
        if queued is None or queued.dag_version_id is None:
            raise SystemExit(f"{dag_id} has no task {task_id}")
        queued.state = TaskInstanceState.QUEUED
        queued.try_number = 1
        session.flush()
        workload = WorkloadTaskInstance(
            id=queued.id,
            task_id=queued.task_id,
            dag_id=queued.dag_id,
            run_id=queued.run_id,
            try_number=queued.try_number,
            map_index=queued.map_index,
            dag_version_id=queued.dag_version_id,
        )

    # The worker's side: the supervisor, talking to the Execution API in this process.
    client = Client(base_url=None, dry_run=True, token="", transport=InProcessExecutionAPI().transport)
    client.base_url = "http://in-process.invalid./"
    log_path = f"{dag_id}/{workload.run_id}/{task_id}.log"
    exit_code = supervise_task(
        ti=workload,
        bundle_info=BundleInfo(name=bundle.name),
        dag_rel_path=dag_file,
        token="",
        client=client,
        log_path=log_path,
    )

    with create_session() as session:
        finished = session.get(TaskInstance, workload.id)
        rendered = session.get(RenderedTaskInstanceFields, (dag_id, task_id, workload.run_id, -1))
        result = {
            "exit_code": exit_code,
            "state": finished.state if finished else None,
            "log_file": os.path.join(conf.get("logging", "base_log_folder"), log_path),
            "rendered_fields": rendered.rendered_fields if rendered else None,
        }
    print("RESULT " + json.dumps(result, default=str), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
