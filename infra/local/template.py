"""Read template.yaml the way the local stack needs it: resources, functions, routes, triggers.

Nothing about the app is restated here; names, routes and environment all come from the
template, with CloudFormation's Ref / Sub / GetAtt resolved against local physical names.
"""

import importlib.util
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO_ROOT / "template.yaml"
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
PSEUDO_PARAMETERS = {
    "AWS::AccountId": ACCOUNT_ID,
    "AWS::Region": REGION,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "timeport-local",
}


class _CloudFormationLoader(yaml.SafeLoader):
    """YAML loader that turns short-form tags (!Ref, !Sub, ...) into their long form."""


def _intrinsic(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node):
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CloudFormationLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path = TEMPLATE_PATH) -> dict:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_CloudFormationLoader)  # noqa: S506 - a SafeLoader subclass


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str
    authorized: bool

    @property
    def pattern(self) -> re.Pattern:
        return re.compile(
            "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path)) + "$"
        )


@dataclass(frozen=True)
class S3Trigger:
    function: str
    bucket: str
    events: list[str]
    filter_rules: list[dict]


@dataclass
class Function:
    logical_id: str
    code_dir: Path
    handler: str
    timeout: int
    memory: int
    environment: dict[str, str] = field(default_factory=dict)
    dead_letter_queue: str | None = None
    """Name of the SQS queue that gets the function's failed asynchronous events, if any."""

    def load_module(self):
        """The handler's module, run from its folder. Every function's module is called `app`,
        so each is loaded under a name of its own."""
        module_name = self.handler.rsplit(".", 1)[0]
        path = self.code_dir / f"{module_name.replace('.', '/')}.py"
        spec = importlib.util.spec_from_file_location(f"timeport_function_{self.logical_id}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


class LocalTemplate:
    """template.yaml with every value resolved for the local stack."""

    def __init__(self, template: dict | None = None, parameter_overrides: dict | None = None):
        self.raw = template or load_template()
        self.resources: dict = self.raw["Resources"]
        self.parameters = {
            name: spec.get("Default") for name, spec in self.raw.get("Parameters", {}).items()
        }
        unknown = set(parameter_overrides or {}) - set(self.parameters)
        if unknown:
            raise KeyError(f"template.yaml has no parameter(s) {', '.join(sorted(unknown))}")
        self.parameters.update(parameter_overrides or {})

    def of_type(self, resource_type: str) -> dict[str, dict]:
        return {
            name: spec for name, spec in self.resources.items() if spec["Type"] == resource_type
        }

    def physical_name(self, logical_id: str) -> str:
        spec = self.resources[logical_id]
        kind = spec["Type"]
        properties = spec.get("Properties", {})
        if kind == "AWS::S3::Bucket":
            return self.resolve(properties.get("BucketName", logical_id.lower()))
        if kind == "AWS::DynamoDB::Table":
            return self.resolve(properties.get("TableName", f"timeport-local-{logical_id}"))
        if kind == "AWS::KMS::Alias":
            return self.resolve(properties["AliasName"])
        if kind == "AWS::Serverless::StateMachine":
            return self.resolve(properties.get("Name", logical_id))
        if kind == "AWS::SQS::Queue":
            return self.resolve(properties.get("QueueName", f"timeport-local-{logical_id}"))
        return logical_id

    def arn(self, logical_id: str) -> str:
        kind = self.resources[logical_id]["Type"]
        name = self.physical_name(logical_id)
        if kind == "AWS::S3::Bucket":
            return f"arn:aws:s3:::{name}"
        if kind == "AWS::Serverless::Function":
            return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"
        if kind == "AWS::DynamoDB::Table":
            return f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}"
        if kind == "AWS::Serverless::StateMachine":
            return f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{name}"
        if kind == "AWS::SQS::Queue":
            return f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"
        raise KeyError(f"No local ARN for {kind}")

    def resolve(self, value):
        if isinstance(value, dict) and len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return self._ref(argument)
            if key == "Fn::Sub":
                return self._sub(argument)
            if key == "Fn::GetAtt":
                logical_id, attribute = argument
                if attribute == "Arn":
                    return self.arn(logical_id)
                raise KeyError(f"GetAtt {logical_id}.{attribute} has no local value")
        if isinstance(value, dict):
            return {key: self.resolve(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        return value

    def _ref(self, name: str) -> str:
        if name in PSEUDO_PARAMETERS:
            return PSEUDO_PARAMETERS[name]
        if name in self.parameters:
            return str(self.parameters[name])
        if self.resources[name]["Type"] == "AWS::Serverless::StateMachine":
            return self.arn(name)
        return self.physical_name(name)

    def _sub(self, argument) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument

        def replace(match: re.Match) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name:
                logical_id, attribute = name.split(".", 1)
                return self.resolve({"Fn::GetAtt": [logical_id, attribute]})
            return self._ref(name)

        return re.sub(r"\$\{([^}!]+)\}", replace, text)

    def functions(self) -> dict[str, Function]:
        globals_ = self.raw.get("Globals", {}).get("Function", {})
        global_env = globals_.get("Environment", {}).get("Variables", {})
        functions = {}
        for logical_id, spec in self.of_type("AWS::Serverless::Function").items():
            properties = spec["Properties"]
            environment = {**global_env, **properties.get("Environment", {}).get("Variables", {})}
            dead_letter_arn = properties.get("DeadLetterQueue", {}).get("TargetArn")
            functions[logical_id] = Function(
                logical_id=logical_id,
                code_dir=REPO_ROOT / properties["CodeUri"],
                handler=properties.get("Handler", globals_.get("Handler")),
                timeout=int(properties.get("Timeout", globals_.get("Timeout", 3))),
                memory=int(properties.get("MemorySize", globals_.get("MemorySize", 128))),
                environment={name: str(self.resolve(value)) for name, value in environment.items()},
                dead_letter_queue=(
                    self.resolve(dead_letter_arn).rsplit(":", 1)[-1] if dead_letter_arn else None
                ),
            )
        return functions

    def shared_environment(self) -> dict[str, str]:
        """Every function's environment in one: the local stack and the OpenAPI generator run
        all the handlers in one process."""
        merged: dict[str, str] = {}
        for function in self.functions().values():
            for name, value in function.environment.items():
                if merged.get(name, value) != value:
                    raise RuntimeError(
                        f"Functions disagree on {name}; the local stack shares one environment"
                    )
                merged[name] = value
        return merged

    def routes(self) -> list[Route]:
        api = self.of_type("AWS::Serverless::HttpApi")
        default_authorizer = {
            name: spec["Properties"].get("Auth", {}).get("DefaultAuthorizer")
            for name, spec in api.items()
        }
        routes = []
        for logical_id, spec in self.of_type("AWS::Serverless::Function").items():
            for event in spec["Properties"].get("Events", {}).values():
                if event["Type"] != "HttpApi":
                    continue
                properties = event["Properties"]
                api_id = properties["ApiId"]["Ref"]
                authorizer = properties.get("Auth", {}).get(
                    "Authorizer", default_authorizer[api_id]
                )
                routes.append(
                    Route(
                        properties["Method"].upper(),
                        properties["Path"],
                        logical_id,
                        authorizer != "NONE",
                    )
                )
        # Fixed paths win over templated ones, as in API Gateway.
        return sorted(routes, key=lambda route: route.path.count("{"))

    def authorizer_function(self) -> str:
        (spec,) = self.of_type("AWS::Serverless::HttpApi").values()
        auth = spec["Properties"]["Auth"]
        authorizer = auth["Authorizers"][auth["DefaultAuthorizer"]]
        return authorizer["FunctionArn"]["Fn::GetAtt"][0]

    def state_machines(self) -> dict[str, str]:
        """Each state machine's name and its definition with DefinitionSubstitutions applied."""
        machines = {}
        for logical_id, spec in self.of_type("AWS::Serverless::StateMachine").items():
            properties = spec["Properties"]
            definition = (REPO_ROOT / properties["DefinitionUri"]).read_text(encoding="utf-8")
            for name, value in properties.get("DefinitionSubstitutions", {}).items():
                definition = definition.replace("${" + name + "}", str(self.resolve(value)))
            machines[self.physical_name(logical_id)] = definition
        return machines

    def kms_aliases(self) -> list[str]:
        return [self.physical_name(name) for name in self.of_type("AWS::KMS::Alias")]

    def s3_triggers(self) -> list[S3Trigger]:
        triggers = []
        for logical_id, spec in self.of_type("AWS::Serverless::Function").items():
            for event in spec["Properties"].get("Events", {}).values():
                if event["Type"] != "S3":
                    continue
                properties = event["Properties"]
                events = properties["Events"]
                triggers.append(
                    S3Trigger(
                        function=logical_id,
                        bucket=self.physical_name(properties["Bucket"]["Ref"]),
                        events=events if isinstance(events, list) else [events],
                        filter_rules=properties.get("Filter", {}).get("S3Key", {}).get("Rules", []),
                    )
                )
        return triggers
