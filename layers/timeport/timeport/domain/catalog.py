"""Clients, projects and tasks, created once per user and name.

Each item is keyed by its normalised name, so the conditional put that creates it is the
uniqueness check: when two imports race for the same new name, one put wins and the other
reads the winner's item.
"""

from pynamodb.exceptions import PutError

from timeport.clock import utc_now
from timeport.ids import new_id
from timeport.storage.models import ClientRecord, ProjectRecord, TaskRecord, user_pk


def normalise_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def _create_once(record, model):
    try:
        record.save(condition=model.pk.does_not_exist())
        return record
    except PutError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        return model.get(record.pk, record.sk, consistent_read=True)


class Catalog:
    """One user's clients, projects and tasks, remembered for the length of one import."""

    def __init__(self, user_id: str):
        self._pk = user_pk(user_id)
        self._clients: dict[str, ClientRecord] = {}
        self._projects: dict[str, ProjectRecord] = {}
        self._tasks: dict[tuple[str, str], TaskRecord] = {}

    def client(self, name: str) -> ClientRecord:
        key = normalise_name(name)
        if key not in self._clients:
            sk = f"CLIENT#{key}"
            self._clients[key] = _get_or_none(ClientRecord, self._pk, sk) or _create_once(
                ClientRecord(
                    self._pk, sk, client_id=new_id(), name=name.strip(), created_at=utc_now()
                ),
                ClientRecord,
            )
        return self._clients[key]

    def project(self, name: str, client_name: str) -> ProjectRecord:
        """The project of that name; a new project belongs to `client_name`, an existing one keeps its client."""
        key = normalise_name(name)
        if key not in self._projects:
            sk = f"PROJECT#{key}"
            record = _get_or_none(ProjectRecord, self._pk, sk)
            if record is None:
                client = self.client(client_name)
                record = _create_once(
                    ProjectRecord(
                        self._pk,
                        sk,
                        project_id=new_id(),
                        name=name.strip(),
                        client_id=client.client_id,
                        client_name=client.name,
                        created_at=utc_now(),
                    ),
                    ProjectRecord,
                )
            self._projects[key] = record
        return self._projects[key]

    def task(self, project: ProjectRecord, name: str) -> TaskRecord:
        key = (project.project_id, normalise_name(name))
        if key not in self._tasks:
            sk = f"TASK#{project.project_id}#{key[1]}"
            self._tasks[key] = _get_or_none(TaskRecord, self._pk, sk) or _create_once(
                TaskRecord(
                    self._pk,
                    sk,
                    task_id=new_id(),
                    name=name.strip(),
                    project_id=project.project_id,
                    created_at=utc_now(),
                ),
                TaskRecord,
            )
        return self._tasks[key]


def _get_or_none(model, pk: str, sk: str):
    try:
        return model.get(pk, sk)
    except model.DoesNotExist:
        return None


def list_clients(user_id: str):
    return ClientRecord.query(user_pk(user_id), ClientRecord.sk.startswith("CLIENT#"))


def list_projects(user_id: str):
    return ProjectRecord.query(user_pk(user_id), ProjectRecord.sk.startswith("PROJECT#"))


def list_tasks(user_id: str):
    return TaskRecord.query(user_pk(user_id), TaskRecord.sk.startswith("TASK#"))
