/** Form inputs that show the schema's problems for their field (`data-field` names the config path). */
import type { ComponentChildren } from "preact";
import { problemsAt, type Problems } from "./formModel.js";

interface FieldProps {
  label: string;
  path: string;
  problems: Problems;
  value: string;
  onInput: (v: string) => void;
  hint?: string;
  wide?: boolean;
  multiline?: boolean;
}

export function Field({ label, path, problems, value, onInput, hint, wide, multiline }: FieldProps) {
  const messages = problemsAt(problems, path);
  const id = `f-${path.replace(/[^\w]/g, "_")}`;
  const common = { id, name: path, value, "aria-invalid": messages.length > 0, onInput: (e: Event) => onInput((e.currentTarget as HTMLInputElement).value) };
  return (
    <div class={`field${wide === true ? " wide" : ""}${messages.length > 0 ? " invalid" : ""}`} data-field={path}>
      <label for={id}>{label}</label>
      {multiline === true ? <textarea rows={2} {...common} /> : <input type="text" spellcheck={false} {...common} />}
      {hint !== undefined && messages.length === 0 ? <small class="hint">{hint}</small> : null}
      {messages.map((m) => <small class="error" role="alert">{m}</small>)}
    </div>
  );
}

export function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <fieldset class="section">
      <legend>{title}</legend>
      <div class="grid">{children}</div>
    </fieldset>
  );
}

export function Choice<T extends string>({ label, value, options, onChange, name }: { label: string; name: string; value: T; options: readonly [T, string][]; onChange: (v: T) => void }) {
  return (
    <div class="field">
      <label for={`c-${name}`}>{label}</label>
      <select id={`c-${name}`} name={name} value={value} onChange={(e) => onChange((e.currentTarget as HTMLSelectElement).value as T)}>
        {options.map(([v, text]) => <option value={v}>{text}</option>)}
      </select>
    </div>
  );
}
