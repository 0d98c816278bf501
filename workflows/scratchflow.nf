/*
 * SCRATCHFLOW: raw videos -> one video per mouse -> pose -> scratch counts -> summary, with
 * review clips of the bouts when --clips_per_mouse is set and behaviour classes per frame
 * when a behaviour model is given.
 *
 * Takes a channel of [meta, video, metadata_txt] with meta.id (the raw video's id) and
 * meta.experiment (the summary groups by it). Each step calls one `scratchflow`
 * subcommand through its bin/ wrapper; the logic lives in the Python package.
 */

include { CROP_VIDEOS      } from '../modules/local/crop_videos'
include { POSE_DLC         } from '../modules/local/pose_dlc'
include { IDENTITY         } from '../modules/local/identity'
include { QUANTIFY         } from '../modules/local/quantify'
include { BEHAVIOUR        } from '../modules/local/behaviour'
include { CLIPS            } from '../modules/local/clips'
include { SUMMARISE        } from '../modules/local/summarise'

workflow SCRATCHFLOW {

    take:
    ch_raw          // channel: [ val(meta), path(video), path(metadata) ]
    model           // path: DeepLabCut project folder (local or S3)
    detector_params // path: detector parameters YAML, or [] for the defaults
    behaviour_model // path: behaviour model folder (scratchflow behaviour train), or [] to skip

    main:
    ch_versions = channel.empty()

    // One task per raw video; it emits every mouse it cropped out of the frame.
    CROP_VIDEOS(ch_raw)
    ch_versions = ch_versions.mix(CROP_VIDEOS.out.versions)

    // One item per mouse: meta.id becomes the mouse video's name
    // ({date}_{time}_{camera}_{position}[_{mouse}]), meta.video keeps the raw video's id.
    ch_mice = CROP_VIDEOS.out.videos
        .transpose()
        .map { meta, video -> [meta + [id: video.baseName, video: meta.id], video] }

    POSE_DLC(ch_mice, model)
    ch_versions = ch_versions.mix(POSE_DLC.out.versions)

    QUANTIFY(POSE_DLC.out.pose, detector_params)
    ch_versions = ch_versions.mix(QUANTIFY.out.versions)

    // Review clips of each mouse's bouts (conf/modules.config runs CLIPS only with
    // --clips_per_mouse), cut from its video; the report links them.
    ch_scratch_results = QUANTIFY.out.tables
        .join(QUANTIFY.out.provenance)
        .map { meta, tables, provenance -> [meta, tables + [provenance]] }
    CLIPS(
        ch_mice
            .join(POSE_DLC.out.pose.map { meta, pose, _json -> [meta, pose] })
            .join(ch_scratch_results)
    )
    ch_versions = ch_versions.mix(CLIPS.out.versions)

    // Behaviour classes per frame of each mouse video; its pose goes along for a pose model,
    // and its scratch bouts, where quantify made them, give the scratch class.
    ch_behaviour_files = channel.empty()
    ch_behaviour_failures = channel.empty()
    if (behaviour_model) {
        ch_behaviour = ch_mice
            .join(POSE_DLC.out.pose.map { meta, pose, _json -> [meta, pose] })
            .join(QUANTIFY.out.tables.map { meta, tables -> [meta, tables.find { table -> table.name.endsWith('_scratch_bouts.csv') }] }, remainder: true)
            .map { meta, video, pose, bouts -> [meta, video, pose, bouts ?: []] }
        BEHAVIOUR(ch_behaviour, behaviour_model)
        ch_versions = ch_versions.mix(BEHAVIOUR.out.versions)
        // Its time budgets and ethograms go into the report; a mouse whose task failed shows
        // its behaviour as missing there and keeps its scratch counts.
        ch_behaviour_files = BEHAVIOUR.out.tables
            .mix(BEHAVIOUR.out.ethogram, BEHAVIOUR.out.provenance)
            .map { meta, files -> [meta.experiment, [files].flatten()] }
            .transpose()
        ch_behaviour_failures = failureLines(ch_behaviour, BEHAVIOUR.out.tables, 'behaviour', 'no behaviour labels')
    }

    // Every mouse the crop step found, per experiment, so that the summary can name the
    // mice whose pose or quantify task failed (those tasks are ignored after retries).
    ch_expected = ch_mice
        .map { meta, _video -> ["${meta.experiment}.expected_samples.csv", "${meta.id},${meta.video}\n"] }
        .collectFile(seed: 'sample,video\n', sort: true)
        .map { csv -> [csv.name - '.expected_samples.csv', csv] }

    // The summary names the step that failed for each raw video or mouse, as `scratchflow run`
    // does (sample,step,reason): a raw video whose crop failed has no mice, a mouse whose pose
    // failed has no quantify task, and one whose behaviour failed keeps its scratch counts.
    ch_failures = failureLines(ch_raw, CROP_VIDEOS.out.videos, 'crop', 'no cropped videos')
        .mix(failureLines(ch_mice, POSE_DLC.out.pose, 'pose', 'no pose table'))
        .mix(failureLines(POSE_DLC.out.pose, QUANTIFY.out.tables, 'quantify', 'no scratch tables'))
        .mix(ch_behaviour_failures)
        .collectFile(seed: 'sample,step,reason\n', sort: true)
        .map { csv -> [csv.name - '.failures.csv', csv] }

    // The crop sidecars (metadata: treatment, group) and previews (QC) go into the report.
    ch_crop_files = CROP_VIDEOS.out.sidecars
        .mix(CROP_VIDEOS.out.previews)
        .map { meta, files -> [meta.experiment, files] }
        .transpose()

    // All result files of an experiment, sorted so that -resume sees the same inputs.
    ch_results = ch_scratch_results
        .mix(CLIPS.out.clips)
        .map { meta, files -> [meta.experiment, [files].flatten()] }
        .transpose()
        .mix(ch_crop_files)
        .mix(ch_behaviour_files)
        .groupTuple(sort: true)

    ch_summarise = ch_results
        .join(ch_expected)
        .join(ch_failures)
        .map { experiment, results, expected, failures -> [[id: experiment], results, expected, failures] }

    // One task per experiment.
    SUMMARISE(ch_summarise)
    ch_versions = ch_versions.mix(SUMMARISE.out.versions)

    // One versions file for the run, as nf-core pipelines publish it.
    ch_versions_yml = ch_versions
        .unique()
        .collectFile(name: 'software_versions.yml', sort: true, newLine: true)

    emit:
    crop       = CROP_VIDEOS.out.videos
    pose       = POSE_DLC.out.pose
    tables     = QUANTIFY.out.tables
    clips      = CLIPS.out.clips
    summary    = SUMMARISE.out.summary
    statistics = SUMMARISE.out.statistics
    report     = SUMMARISE.out.report
    versions   = ch_versions_yml
}

/*
 * SCRATCHFLOW_OPEN_ARENA: colour-marked mice together in one arena -> identity -> scratch
 * counts per mouse -> summary, with review clips as in SCRATCHFLOW.
 *
 * Takes a channel of [meta, video, pose] with meta.id (the video's stem), meta.experiment
 * and meta.colours (one fur colour per mouse). No crop and no pose step: the tracks are the
 * user's (no multi-animal DeepLabCut model ships with scratchflow).
 */
workflow SCRATCHFLOW_OPEN_ARENA {

    take:
    ch_arenas       // channel: [ val(meta), path(video), path(pose) ]
    identity_params // path: identity parameters YAML, or [] for the defaults
    detector_params // path: detector parameters YAML, or [] for the defaults

    main:
    ch_versions = channel.empty()

    IDENTITY(ch_arenas, identity_params)
    ch_versions = ch_versions.mix(IDENTITY.out.versions)

    // The repaired tracks hold one individual per colour; meta.id becomes their stem
    // (<video>_identity), the sample the summary names each mouse of (<video>_<colour>).
    ch_tracks = IDENTITY.out.tracks
        .map { meta, tracks, pose_json -> [meta + [id: tracks.baseName, video: meta.id], tracks, pose_json] }

    QUANTIFY(ch_tracks, detector_params)
    ch_versions = ch_versions.mix(QUANTIFY.out.versions)

    // Review clips of each mouse's bouts, cut from the whole arena video (meta.video), the
    // mouse named in each clip's name (only with --clips_per_mouse).
    ch_scratch_results = QUANTIFY.out.tables
        .join(QUANTIFY.out.provenance)
        .map { meta, tables, provenance -> [meta, tables + [provenance]] }
    ch_arena_videos = ch_arenas.map { meta, video, _pose -> [meta.id, video] }
    CLIPS(
        ch_tracks
            .map { meta, tracks, _pose_json -> [meta, tracks] }
            .join(ch_scratch_results)
            .map { meta, tracks, results -> [meta.video, meta, tracks, results] }
            .join(ch_arena_videos)
            .map { _video_id, meta, tracks, results, video -> [meta, video, tracks, results] }
    )
    ch_versions = ch_versions.mix(CLIPS.out.versions)

    // Every arena, per experiment, so that the summary names those whose identity or
    // quantify task failed (those tasks are ignored after retries).
    ch_expected = ch_arenas
        .map { meta, _video, _pose -> ["${meta.experiment}.expected_samples.csv", "${meta.id}_identity,${meta.id}\n"] }
        .collectFile(seed: 'sample,video\n', sort: true)
        .map { csv -> [csv.name - '.expected_samples.csv', csv] }

    // The summary names the step that failed for each arena, as `scratchflow run` does
    // (sample,step,reason): an arena whose identity failed has no tracks to quantify, and is
    // named as its tracks would have been (<video>_identity, the meta.id of ch_tracks).
    ch_identity_given = ch_arenas.map { meta, _video, _pose -> [meta + [id: meta.id + '_identity']] }
    ch_identity_made = IDENTITY.out.tracks.map { meta, _tracks, _json -> [meta + [id: meta.id + '_identity']] }
    ch_failures = failureLines(ch_identity_given, ch_identity_made, 'identity', 'no repaired tracks')
        .mix(failureLines(ch_tracks, QUANTIFY.out.tables, 'quantify', 'no scratch tables'))
        .collectFile(seed: 'sample,step,reason\n', sort: true)
        .map { csv -> [csv.name - '.failures.csv', csv] }

    // The summary counts each mouse's identity repairs and shows its colour.
    ch_identity_files = IDENTITY.out.tables
        .join(IDENTITY.out.provenance)
        .map { meta, events, _frames, provenance -> [meta.experiment, [events, provenance]] }
        .transpose()

    ch_summarise = ch_scratch_results
        .mix(CLIPS.out.clips)
        .map { meta, files -> [meta.experiment, [files].flatten()] }
        .transpose()
        .mix(ch_identity_files)
        .groupTuple(sort: true)
        .join(ch_expected)
        .join(ch_failures)
        .map { experiment, results, expected, failures -> [[id: experiment], results, expected, failures] }

    SUMMARISE(ch_summarise)
    ch_versions = ch_versions.mix(SUMMARISE.out.versions)

    ch_versions_yml = ch_versions
        .unique()
        .collectFile(name: 'software_versions.yml', sort: true, newLine: true)

    emit:
    identity   = IDENTITY.out.tracks
    tables     = QUANTIFY.out.tables
    clips      = CLIPS.out.clips
    summary    = SUMMARISE.out.summary
    statistics = SUMMARISE.out.statistics
    report     = SUMMARISE.out.report
    versions   = ch_versions_yml
}

/*
 * One failures.csv line per item of `ch_given` (tuples with meta first) for which `ch_made`
 * has no output: its `step` task failed and was ignored (conf/base.config), so the summary
 * names the step. An item with output adds an empty line, so that every experiment gets the
 * file, with its header at least.
 */
def failureLines(ch_given, ch_made, String step, String missing) {
    return ch_given
        .map { item -> [item[0].id, item[0]] }
        .join(ch_made.map { item -> [item[0].id, true] }, remainder: true)
        .map { id, meta, made ->
            def line = made ? '' : "${id},${step},${missing}: the ${step} task failed (pipeline_info/execution_trace.txt)\n"
            ["${meta.experiment}.failures.csv", line]
        }
}
